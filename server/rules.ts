/**
 * The ledger's rules on the server: what an op does to the books, decided
 * from the authoritative state before anything is written. They are the
 * local ledger's rules (src/ledger/operations.ts), re-stated over PostgreSQL:
 * every op's moves sum to zero, no player or pot goes below zero, the house
 * (minus the total supply) never passes -(2^63 - 1), and only an owner mints.
 */
import { INT64_MAX, type Op, type RejectionReason, type Role } from '../src/sync/protocol';
import type { Tx } from './db';

/** An account's key within a ledger. */
export interface AccountRef {
  kind: 'house' | 'player' | 'pot';
  ref: string;
}

/** One balance change: `before` as read, `amount` to add. */
export interface Move extends AccountRef {
  before: bigint;
  amount: bigint;
}

/** What applying an op would do, or why it may not. */
export type Plan =
  | { ok: false; reason: RejectionReason; message: string }
  | { ok: true; create: AccountRef[]; newGame?: string; settles?: string; moves: Move[] };

const HOUSE: AccountRef = { kind: 'house', ref: 'house' };

function reject(reason: RejectionReason, message: string): Plan {
  return { ok: false, reason, message };
}

async function balance(tx: Tx, ledger: string, a: AccountRef): Promise<bigint | undefined> {
  const [row] = await tx<{ balance: bigint }[]>`
    SELECT balance FROM account WHERE ledger_id = ${ledger} AND kind = ${a.kind} AND ref = ${a.ref}`;
  return row?.balance;
}

async function game(tx: Tx, ledger: string, id: string): Promise<{ status: string; pot: bigint } | undefined> {
  const [row] = await tx<{ status: string; balance: bigint }[]>`
    SELECT g.status, a.balance FROM game g JOIN account a ON a.ledger_id = g.ledger_id AND a.kind = 'pot' AND a.ref = g.id
    WHERE g.ledger_id = ${ledger} AND g.id = ${id}`;
  return row && { status: row.status, pot: row.balance };
}

/** An open game's pot, or the rejection saying why the game takes no more bets, rolls or settles. */
async function openGame(tx: Tx, ledger: string, id: string): Promise<{ pot: bigint; refused?: undefined } | { refused: Plan }> {
  const g = await game(tx, ledger, id);
  if (!g) return { refused: reject('NOT_FOUND', `no game ${id}`) };
  if (g.status !== 'open') return { refused: reject('GAME_SETTLED', `game ${id} is already settled`) };
  return { pot: g.pot };
}

/** Moves that would take a balance out of range, named; undefined when all fit. */
function outOfRange(moves: Move[]): string | undefined {
  for (const m of moves) {
    const next = m.before + m.amount;
    if (next > INT64_MAX || next < -INT64_MAX) return `${m.kind} ${m.ref} would pass 64 bits (total supply is capped at 2^63-1)`;
  }
  return undefined;
}

function done(moves: Move[], extra: { create?: AccountRef[]; newGame?: string; settles?: string } = {}): Plan {
  const nonzero = moves.filter((m) => m.amount !== 0n);
  const past = outOfRange(nonzero);
  if (past) return reject('OVERFLOW', past);
  return { ok: true, create: extra.create ?? [], moves: nonzero, ...(extra.newGame ? { newGame: extra.newGame } : {}), ...(extra.settles ? { settles: extra.settles } : {}) };
}

/** Decides what `op` does in `ledger` for a device of `role`. Reads only. */
export async function plan(tx: Tx, ledger: string, role: Role, op: Op): Promise<Plan> {
  switch (op.type) {
    case 'createPlayer': {
      const amount = BigInt(op.balance);
      if (amount > 0n && role !== 'owner') return reject('FORBIDDEN', 'only an owner device may give a player an opening balance');
      const player: AccountRef = { kind: 'player', ref: op.player };
      if ((await balance(tx, ledger, player)) !== undefined) return reject('ALREADY_EXISTS', `player ${op.player} already exists`);
      const house = (await balance(tx, ledger, HOUSE))!;
      return done([{ ...HOUSE, before: house, amount: -amount }, { ...player, before: 0n, amount }], { create: [player] });
    }
    case 'setBalance': {
      if (role !== 'owner') return reject('FORBIDDEN', 'only an owner device may set a balance');
      const player: AccountRef = { kind: 'player', ref: op.player };
      const before = await balance(tx, ledger, player);
      if (before === undefined) return reject('NOT_FOUND', `no player ${op.player}`);
      const delta = BigInt(op.balance) - before;
      const house = (await balance(tx, ledger, HOUSE))!;
      return done([{ ...HOUSE, before: house, amount: -delta }, { ...player, before, amount: delta }]);
    }
    case 'transfer': {
      const amount = BigInt(op.amount);
      const from = await balance(tx, ledger, { kind: 'player', ref: op.from });
      if (from === undefined) return reject('NOT_FOUND', `no player ${op.from}`);
      const to = await balance(tx, ledger, { kind: 'player', ref: op.to });
      if (to === undefined) return reject('NOT_FOUND', `no player ${op.to}`);
      if (from < amount) return reject('INSUFFICIENT_FUNDS', `player ${op.from} has ${from}, cannot pay ${amount}`);
      return done([
        { kind: 'player', ref: op.from, before: from, amount: -amount },
        { kind: 'player', ref: op.to, before: to, amount },
      ]);
    }
    case 'createGame': {
      const pot: AccountRef = { kind: 'pot', ref: op.game };
      if ((await balance(tx, ledger, pot)) !== undefined) return reject('ALREADY_EXISTS', `game ${op.game} already exists`);
      return done([], { create: [pot], newGame: op.game });
    }
    case 'recordBet': {
      const amount = BigInt(op.amount);
      const g = await openGame(tx, ledger, op.game);
      if (g.refused) return g.refused;
      const p = await balance(tx, ledger, { kind: 'player', ref: op.player });
      if (p === undefined) return reject('NOT_FOUND', `no player ${op.player}`);
      if (p < amount) return reject('INSUFFICIENT_FUNDS', `player ${op.player} has ${p}, cannot pay ${amount}`);
      return done([
        { kind: 'player', ref: op.player, before: p, amount: -amount },
        { kind: 'pot', ref: op.game, before: g.pot, amount },
      ]);
    }
    case 'recordRoll': {
      const g = await openGame(tx, ledger, op.game);
      if (g.refused) return g.refused;
      return done([]); // no tokens move: the roll lives in the log, for every device's table
    }
    case 'settleGame': {
      const g = await openGame(tx, ledger, op.game);
      if (g.refused) return g.refused;
      const moves: Move[] = [{ kind: 'pot', ref: op.game, before: g.pot, amount: -g.pot }];
      let total = 0n;
      for (const payout of op.payouts) {
        const before = await balance(tx, ledger, { kind: 'player', ref: payout.player });
        if (before === undefined) return reject('NOT_FOUND', `no player ${payout.player}`);
        total += BigInt(payout.amount);
        moves.push({ kind: 'player', ref: payout.player, before, amount: BigInt(payout.amount) });
      }
      if (total > g.pot && !op.houseCovers) return reject('PAYOUT_EXCEEDS_POT', `payouts of ${total} exceed the pot of ${g.pot} in game ${op.game}`);
      // The house paying beyond the pot mints those tokens: like an opening balance, for owners only.
      if (total > g.pot && role !== 'owner') return reject('FORBIDDEN', `only an owner device may have the house cover payouts beyond the pot (${total} from a pot of ${g.pot})`);
      // What no player won, the house keeps.
      moves.push({ ...HOUSE, before: (await balance(tx, ledger, HOUSE))!, amount: g.pot - total });
      return done(moves, { settles: op.game });
    }
  }
}
