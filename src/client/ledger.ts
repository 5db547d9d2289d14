/**
 * The BitCraps ledger, page side. Each method is one RPC to the store's
 * worker, where the operation runs as one SQLite transaction and resolves
 * once it is durable.
 */
import { LEDGER_MIGRATIONS, LOOKUPS } from '../ledger/schema';
import type { AuditReport, Entry, GameInfo, Receipt } from '../ledger/types';
import type { Durability } from '../shared/types';
import { openStore, type Store } from './store';

/** Opens (or creates) a ledger: the store `name`, migrated to the ledger's schema. */
export async function openLedger(options: { name: string; durability?: Durability; txTimeoutMs?: number }): Promise<Ledger> {
  return new Ledger(await openStore({ ...options, migrations: LEDGER_MIGRATIONS }));
}

/** Double-entry books of players, games, bets and transfers. Amounts are bigint; nothing is ever rounded. */
export class Ledger {
  constructor(
    /** The underlying store, for custom queries (and its `close()`). */
    readonly store: Store,
  ) {}

  /** Creates a player with an opening balance minted by the house. A duplicate id is `CONSTRAINT`. */
  async createPlayer(id: string, balance: bigint): Promise<void> {
    await this.store.ledgerCall('createPlayer', [id, balance]);
  }

  /** The player's balance; an unknown id is `NOT_FOUND`. */
  getBalance(id: string): Promise<bigint> {
    return this.store.ledgerCall('getBalance', [id]);
  }

  /** Sets a balance by an adjustment against the house, so the books still balance. */
  async setBalance(id: string, balance: bigint): Promise<void> {
    await this.store.ledgerCall('setBalance', [id, balance]);
  }

  /**
   * Moves `amount` (> 0) from one player to another. Beyond the payer's
   * balance it is `INSUFFICIENT_FUNDS` and changes nothing. A retry with the
   * same `idempotencyKey` returns the original receipt with `replayed: true`.
   */
  transfer(from: string, to: string, amount: bigint, options?: { idempotencyKey?: string }): Promise<Receipt> {
    return this.store.ledgerCall('transfer', [from, to, amount, options]);
  }

  /** Opens a game with an empty pot; returns its id (random unless given). */
  createGame(options?: { id?: string }): Promise<string> {
    return this.store.ledgerCall('createGame', [options]);
  }

  /** Escrows a stake from the player into the game's pot. A missing game is `NOT_FOUND`. Idempotent like `transfer`. */
  recordBet(gameId: string, playerId: string, amount: bigint, options?: { idempotencyKey?: string }): Promise<Receipt> {
    return this.store.ledgerCall('recordBet', [gameId, playerId, amount, options]);
  }

  /**
   * Pays the pot out exactly: `payouts` to players, the rest to the house. Paying more than the pot is
   * `INVALID_ARGUMENT` unless `houseCovers`, when the house adds the difference (even-money winners).
   */
  async settleGame(gameId: string, payouts: Record<string, bigint>, options?: { houseCovers?: boolean }): Promise<void> {
    await this.store.ledgerCall('settleGame', [gameId, payouts, options]);
  }

  /** A game's status, pot and escrowed bets; an unknown id is `NOT_FOUND`. */
  game(gameId: string): Promise<GameInfo> {
    return this.store.ledgerCall('game', [gameId]);
  }

  /** Every player with its balance, ordered by id. */
  players(): Promise<{ id: string; balance: bigint }[]> {
    return this.store.ledgerCall('players', []);
  }

  /**
   * Live player balances: calls back at once and after every commit, in any tab, that changes an
   * account. Returns the unsubscribe function.
   */
  watchPlayers(callback: (players: { id: string; balance: bigint }[]) => void, onError?: (error: unknown) => void): () => void {
    return this.store.watch<{ id: string; balance: number | bigint }>(
      LOOKUPS.players,
      undefined,
      (rows) => callback(rows.map((r) => ({ id: r.id, balance: BigInt(r.balance) }))),
      onError,
    );
  }

  /** The player's entries, newest first; page with `before` (an entry id). */
  history(playerId: string, options?: { limit?: number; before?: string }): Promise<Entry[]> {
    return this.store.ledgerCall('history', [playerId, options]);
  }

  /** Checks every invariant of the books and names each problem. */
  audit(): Promise<AuditReport> {
    return this.store.ledgerCall('audit', []);
  }
}
