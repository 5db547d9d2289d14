/**
 * Ledger operations. Each runs inside the worker, synchronously, in the one
 * store transaction the worker opened for it: either all its entries and
 * balance updates commit, or none. Amounts are bigint end to end.
 */
import { StoreError } from '../shared/errors';
import type { Sql } from '../shared/types';
import { hex } from '../shared/hash';
import { audit } from './audit';
import { LOOKUPS } from './schema';
import type { Entry, GameInfo, Receipt } from './types';

const INT64_MAX = 2n ** 63n - 1n;
const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

function big(v: unknown): bigint {
  return typeof v === 'bigint' ? v : BigInt(v as number);
}

/** An amount argument: a bigint (or a safe integer number), within int64, positive unless `zeroOk`. */
function amountArg(v: unknown, label: string, zeroOk = false): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v)) v = BigInt(v);
  if (typeof v !== 'bigint') throw new StoreError('INVALID_ARGUMENT', `${label} must be an integer amount (bigint), not ${typeof v}`);
  if (v > INT64_MAX) throw new StoreError('INVALID_ARGUMENT', `${label} ${v} overflows a 64-bit amount`);
  if (v < 0n || (v === 0n && !zeroOk)) throw new StoreError('INVALID_ARGUMENT', `${label} must be ${zeroOk ? 'zero or more' : 'positive'}, got ${v}`);
  return v;
}

function idArg(v: unknown, label: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 128) {
    throw new StoreError('INVALID_ARGUMENT', `${label} must be a string of 1 to 128 characters`);
  }
  return v;
}

function keyArg(options: { idempotencyKey?: string } | undefined): string | undefined {
  const key = options?.idempotencyKey;
  if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 256)) {
    throw new StoreError('INVALID_ARGUMENT', 'idempotencyKey must be a string of 1 to 256 characters');
  }
  return key;
}

/**
 * A new operation or game id: 32 hex digits, the time in milliseconds (48 bits) and then
 * 80 random bits. Ids that grow with time go in at the end of the operation and game keys
 * and of `entry_by_operation`; fully random ones went in at a random page of each, so a
 * commit touched more pages the larger the ledger (Node, a 59 MB ledger: 76 µs per transfer
 * against 83-85). A clock set back costs only that order, never uniqueness.
 */
function newId(): string {
  const bytes = new Uint8Array(16);
  bytes.set(randomBytes(10), 6);
  for (let i = 5, t = Date.now(); i >= 0; i--, t = Math.floor(t / 256)) bytes[i] = t % 256;
  return hex(bytes);
}

/**
 * Random bytes, drawn from the browser 4 KiB at a time: one
 * `getRandomValues` call per id cost 13 µs a transfer in Chromium's worker
 * profile (a call into the browser each time), one per 409 ids costs nothing
 * to speak of. Ids are unique, not secret.
 */
const pool = new Uint8Array(4096);
let drawn = pool.length;
function randomBytes(n: number): Uint8Array {
  if (drawn + n > pool.length) (crypto.getRandomValues(pool), (drawn = 0));
  drawn += n;
  return pool.subarray(drawn - n, drawn);
}

function player(e: Sql, id: string): { account: number; balance: bigint } {
  const row = e.query(LOOKUPS.balance, [id])[0];
  if (!row) throw new StoreError('NOT_FOUND', `no player ${id}`);
  return { account: row.id as number, balance: big(row.balance) };
}

function house(e: Sql): { account: number; balance: bigint } {
  const row = e.query(`SELECT id, balance FROM account WHERE kind = 'house'`)[0]!;
  return { account: row.id as number, balance: big(row.balance) };
}

/** Writes one entry and moves the account's cached balance by exactly `amount`. */
function post(e: Sql, operation: string, account: { account: number; balance: bigint }, amount: bigint): void {
  if (amount === 0n) return;
  const next = account.balance + amount;
  // ±(2^63−1), not −2^63: the house's balance is minus the total supply, which must itself fit.
  if (next > INT64_MAX || next < -INT64_MAX) {
    throw new StoreError('INVALID_ARGUMENT', `the ${amount > 0n ? 'credit' : 'debit'} of ${amount} would take a balance past 64 bits (total supply is capped at 2^63-1)`);
  }
  e.run(`INSERT INTO entry (operation, account, amount) VALUES (?, ?, ?)`, [operation, account.account, amount]);
  e.run(`UPDATE account SET balance = ? WHERE id = ?`, [next, account.account]);
  account.balance = next;
}

function operation(e: Sql, kind: string, extra: { game?: string; key?: string; request?: string; wager?: string } = {}): string {
  const id = newId();
  e.run(`INSERT INTO operation (id, kind, game, idempotency_key, request, wager, created_at) VALUES (?, ?, ?, ?, ?, ?, ${NOW})`, [
    id,
    kind,
    extra.game ?? null,
    extra.key ?? null,
    extra.request ?? null,
    extra.wager ?? null,
  ]);
  return id;
}

function wagerArg(v: unknown): string | undefined {
  if (v !== undefined && (typeof v !== 'string' || v.length === 0 || v.length > 32)) throw new StoreError('INVALID_ARGUMENT', 'a wager must be a string of 1 to 32 characters');
  return v;
}

function dieArg(v: unknown, label: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 6) throw new StoreError('INVALID_ARGUMENT', `${label} must be a whole number from 1 to 6, not ${String(v)}`);
  return v;
}

/** An open game's row, or the error saying why it takes no more bets or rolls. */
function openGame(e: Sql, gameId: string): Record<string, unknown> {
  const game = e.query(LOOKUPS.game, [gameId])[0];
  // The foreign keys refuse a missing game too; this gives the clearer error first.
  if (!game) throw new StoreError('NOT_FOUND', `no game ${gameId}`);
  if (game.status !== 'open') throw new StoreError('INVALID_ARGUMENT', `game ${gameId} is already settled`);
  return game;
}

/** The receipt of an earlier operation with this key, or undefined; a key reused for other arguments is refused. */
function replayed(e: Sql, key: string | undefined, request: string): Receipt | undefined {
  if (key === undefined) return undefined;
  const row = e.query(LOOKUPS.idempotency, [key])[0];
  if (!row) return undefined;
  if (row.request !== request) {
    throw new StoreError('INVALID_ARGUMENT', `idempotency key ${key} was already used for a different operation`);
  }
  return { id: row.id as string, replayed: true };
}

/**
 * The common start of an idempotent operation: its checked amount and key,
 * the request it stands for, and the earlier receipt when this is a retry.
 */
function idempotent(e: Sql, amount: bigint, what: string, options: { idempotencyKey?: string } | undefined, request: unknown[]) {
  const value = amountArg(amount, what);
  const key = keyArg(options);
  const text = JSON.stringify([...request, value.toString()]);
  return { value, key, request: text, earlier: replayed(e, key, text) };
}

function debitable(account: { balance: bigint }, amount: bigint, who: string): void {
  if (account.balance < amount) {
    throw new StoreError('INSUFFICIENT_FUNDS', `${who} has ${account.balance}, cannot pay ${amount}`);
  }
}

/** Every ledger operation; the worker runs each in its own transaction (reads without one). */
export const ledgerOps = {
  createPlayer(e: Sql, id: string, balance: bigint): void {
    idArg(id, 'player id');
    const amount = amountArg(balance, 'opening balance', true);
    e.run(`INSERT INTO account (kind, ref, balance) VALUES ('player', ?, 0)`, [id]); // a duplicate id fails here: CONSTRAINT
    if (amount === 0n) return;
    const op = operation(e, 'open');
    post(e, op, house(e), -amount);
    post(e, op, player(e, id), amount);
  },

  setBalance(e: Sql, id: string, balance: bigint): void {
    const target = amountArg(balance, 'balance', true);
    const p = player(e, idArg(id, 'player id'));
    const delta = target - p.balance;
    if (delta === 0n) return;
    const op = operation(e, 'adjust');
    post(e, op, house(e), -delta);
    post(e, op, p, delta);
  },

  transfer(e: Sql, from: string, to: string, amount: bigint, options?: { idempotencyKey?: string }): Receipt {
    const { value, key, request, earlier } = idempotent(e, amount, 'transfer amount', options, ['transfer', idArg(from, 'from'), idArg(to, 'to')]);
    if (earlier) return earlier;
    if (from === to) throw new StoreError('INVALID_ARGUMENT', 'a transfer needs two different players');
    const payer = player(e, from);
    const payee = player(e, to);
    debitable(payer, value, `player ${from}`);
    const op = operation(e, 'transfer', { key, request });
    post(e, op, payer, -value);
    post(e, op, payee, value);
    return { id: op, replayed: false };
  },

  createGame(e: Sql, options?: { id?: string }): string {
    const id = options?.id === undefined ? newId() : idArg(options.id, 'game id');
    const { lastInsertRowid } = e.run(`INSERT INTO account (kind, ref, balance) VALUES ('pot', ?, 0)`, [id]);
    e.run(`INSERT INTO game (id, pot, created_at) VALUES (?, ?, ${NOW})`, [id, lastInsertRowid]);
    return id;
  },

  recordBet(e: Sql, gameId: string, playerId: string, amount: bigint, options?: { idempotencyKey?: string; wager?: string }): Receipt {
    const wager = wagerArg(options?.wager);
    // The wager is part of the request only when given: a retry must not change what the bet is on.
    const args = ['bet', idArg(gameId, 'game id'), idArg(playerId, 'player id'), ...(wager === undefined ? [] : [wager])];
    const { value, key, request, earlier } = idempotent(e, amount, 'bet', options, args);
    if (earlier) return earlier;
    const game = openGame(e, gameId);
    const p = player(e, playerId);
    debitable(p, value, `player ${playerId}`);
    const op = operation(e, 'bet', { game: gameId, key, request, wager });
    post(e, op, p, -value);
    post(e, op, { account: game.pot as number, balance: big(game.balance) }, value);
    return { id: op, replayed: false };
  },

  /** Records a roll of two dice in an open game; returns its number in the game (1 for the first). */
  recordRoll(e: Sql, gameId: string, die1: number, die2: number): number {
    openGame(e, idArg(gameId, 'game id'));
    const dice = [dieArg(die1, 'die1'), dieArg(die2, 'die2')];
    const n = e.query(LOOKUPS.rolls, [gameId]).length + 1;
    e.run(`INSERT INTO roll (game, n, die1, die2, created_at) VALUES (?, ?, ?, ?, ${NOW})`, [gameId, n, ...dice]);
    return n;
  },

  /**
   * Pays the pot out. Without `houseCovers`, payouts beyond the pot are refused. With it, the house
   * adds what the winners are owed beyond the pot (even-money games pay a winner twice the stake),
   * which mints it like an opening balance, so the supply stays explained.
   */
  settleGame(e: Sql, gameId: string, payouts: Record<string, bigint>, options?: { houseCovers?: boolean }): void {
    const game = e.query(LOOKUPS.game, [idArg(gameId, 'game id')])[0];
    if (!game) throw new StoreError('NOT_FOUND', `no game ${gameId}`);
    if (game.status !== 'open') throw new StoreError('INVALID_ARGUMENT', `game ${gameId} is already settled`);
    if (typeof payouts !== 'object' || payouts === null) throw new StoreError('INVALID_ARGUMENT', 'payouts must be an object');
    const pot = { account: game.pot as number, balance: big(game.balance) };
    const paid = Object.entries(payouts).map(([id, amount]) => ({ p: player(e, id), amount: amountArg(amount, `payout to ${id}`, true) }));
    const total = paid.reduce((sum, x) => sum + x.amount, 0n);
    if (options?.houseCovers !== undefined && typeof options.houseCovers !== 'boolean') throw new StoreError('INVALID_ARGUMENT', 'houseCovers must be a boolean');
    if (total > pot.balance && !options?.houseCovers) throw new StoreError('INVALID_ARGUMENT', `payouts of ${total} exceed the pot of ${pot.balance} in game ${gameId}`);
    const op = operation(e, 'settle', { game: gameId });
    const held = pot.balance;
    post(e, op, pot, -held); // the pot is emptied exactly
    for (const { p, amount } of paid) post(e, op, p, amount);
    post(e, op, house(e), held - total); // what no player won, the house keeps (negative: what it adds)
    e.run(`UPDATE game SET status = 'settled' WHERE id = ?`, [gameId]);
  },

  /** Every player and its balance, ordered by id. */
  players(e: Sql): { id: string; balance: bigint }[] {
    return e.query(LOOKUPS.players).map((r) => ({ id: r.id as string, balance: big(r.balance) }));
  },

  /** A game's status and pot, the bets escrowed in it and the dice rolled, oldest first. */
  game(e: Sql, gameId: string): GameInfo {
    const game = e.query(LOOKUPS.game, [idArg(gameId, 'game id')])[0];
    if (!game) throw new StoreError('NOT_FOUND', `no game ${gameId}`);
    const bets = e.query(LOOKUPS.bets, [gameId]).map((r) => ({
      operationId: r.id as string,
      playerId: r.player as string,
      amount: big(r.amount),
      wager: (r.wager as string | null) ?? null,
      at: r.created_at as string,
    }));
    const rolls = e.query(LOOKUPS.rolls, [gameId]).map((r): [number, number] => [Number(r.die1), Number(r.die2)]);
    return { id: gameId, status: game.status as GameInfo['status'], createdAt: game.created_at as string, pot: big(game.balance), bets, rolls };
  },

  /** Every game not yet settled, oldest first, as `game` reports it: escrowed stakes are never out of reach. */
  openGames(e: Sql): GameInfo[] {
    return e.query(LOOKUPS.openGames).map((r) => ledgerOps.game(e, r.id as string));
  },

  getBalance(e: Sql, id: string): bigint {
    return player(e, idArg(id, 'player id')).balance;
  },

  history(e: Sql, playerId: string, options?: { limit?: number; before?: string }): Entry[] {
    const limit = options?.limit ?? 50;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw new StoreError('INVALID_ARGUMENT', 'limit must be 1 to 1000');
    const before = options?.before === undefined ? INT64_MAX : BigInt(/^\d+$/.test(options.before) ? options.before : -1);
    if (before < 0n) throw new StoreError('INVALID_ARGUMENT', 'before must be an entry id from an earlier page');
    const p = player(e, idArg(playerId, 'player id'));
    return e.query(LOOKUPS.history, [p.account, before, limit]).map((r) => ({
      id: String(r.id),
      operationId: r.operation as string,
      kind: r.kind as Entry['kind'],
      amount: big(r.amount),
      gameId: (r.game as string | null) ?? null,
      at: r.created_at as string,
    }));
  },

  audit,
};

/** The ledger operations' names, and which of them only read. */
export type LedgerOps = typeof ledgerOps;
export type LedgerOpName = keyof LedgerOps;
export const READ_OPS: ReadonlySet<LedgerOpName> = new Set(['getBalance', 'history', 'audit', 'players', 'game', 'openGames']);
