/**
 * The BitCraps ledger, page side. Each method is one RPC to the store's
 * worker, where the operation runs as one SQLite transaction and resolves
 * once it is durable. The arguments of each method are those the worker-side
 * operation declares (ledger/operations.ts), taken through the contract.
 */
import { LEDGER_MIGRATIONS, LOOKUPS } from '../ledger/schema';
import type { LedgerArgs } from '../shared/contract';
import type { AuditReport, Entry, GameInfo, Receipt } from '../ledger/types';
import type { StoreOptions } from '../shared/types';
import { openStore, type Store } from './store';
import { LedgerSync } from './sync';

/**
 * Opens (or creates) a ledger: the store `name`, migrated to the ledger's
 * schema. Takes `openStore`'s options (durability, log, compactAfterBytes…)
 * but the migrations, which are the ledger's.
 */
export async function openLedger(options: Omit<StoreOptions, 'migrations' | 'autoMigrate'>): Promise<Ledger> {
  return new Ledger(await openStore({ ...options, migrations: LEDGER_MIGRATIONS }));
}

/** Double-entry books of players, games, bets and transfers. Amounts are bigint; nothing is ever rounded. */
export class Ledger {
  /** Sharing this ledger with other devices through a sync server (see the README's Sync section). */
  readonly sync: LedgerSync;

  constructor(
    /** The underlying store, for custom queries (and its `close()`). */
    readonly store: Store,
  ) {
    this.sync = new LedgerSync(store);
  }

  /**
   * Creates a player with an opening balance minted by the house. A duplicate id is `CONSTRAINT`.
   * On a shared ledger every write here is also queued for the server in the same transaction;
   * a member device may not mint (`FORBIDDEN`).
   */
  async createPlayer(...args: LedgerArgs<'createPlayer'>): Promise<void> {
    await this.store.ledgerCall('createPlayer', args);
  }

  /** The player's balance; an unknown id is `NOT_FOUND`. */
  getBalance(...args: LedgerArgs<'getBalance'>): Promise<bigint> {
    return this.store.ledgerCall('getBalance', args);
  }

  /** Sets a balance by an adjustment against the house, so the books still balance. */
  async setBalance(...args: LedgerArgs<'setBalance'>): Promise<void> {
    await this.store.ledgerCall('setBalance', args);
  }

  /**
   * Moves `amount` (> 0) from one player to another. Beyond the payer's
   * balance it is `INSUFFICIENT_FUNDS` and changes nothing. A retry with the
   * same `idempotencyKey` returns the original receipt with `replayed: true`.
   */
  transfer(...args: LedgerArgs<'transfer'>): Promise<Receipt> {
    return this.store.ledgerCall('transfer', args);
  }

  /** Opens a game with an empty pot; returns its id (random unless given). */
  createGame(...args: LedgerArgs<'createGame'>): Promise<string> {
    return this.store.ledgerCall('createGame', args);
  }

  /**
   * Escrows a stake from the player into the game's pot. A missing game is `NOT_FOUND`. Idempotent like
   * `transfer`. `options.wager` (1 to 32 characters) records what the bet is on, so any device can settle it.
   */
  recordBet(...args: LedgerArgs<'recordBet'>): Promise<Receipt> {
    return this.store.ledgerCall('recordBet', args);
  }

  /**
   * Pays the pot out exactly: `payouts` to players, the rest to the house. Paying more than the pot is
   * `INVALID_ARGUMENT` unless `houseCovers`, when the house adds the difference (even-money winners).
   */
  async settleGame(...args: LedgerArgs<'settleGame'>): Promise<void> {
    await this.store.ledgerCall('settleGame', args);
  }

  /**
   * Records a roll of two dice (each 1 to 6) in an open game; resolves to its number in the game.
   * The ledger keeps the rolls so a game can be resumed anywhere; it applies no game's rules.
   * A settled game is `INVALID_ARGUMENT`, an unknown one `NOT_FOUND`.
   */
  recordRoll(...args: LedgerArgs<'recordRoll'>): Promise<number> {
    return this.store.ledgerCall('recordRoll', args);
  }

  /**
   * Every game not yet settled, oldest first, each with its pot, escrowed bets (and their wagers) and
   * rolls: how a device that forgot which game it was playing finds the stakes still in play.
   */
  openGames(...args: LedgerArgs<'openGames'>): Promise<GameInfo[]> {
    return this.store.ledgerCall('openGames', args);
  }

  /** A game's status, pot, escrowed bets and rolls; an unknown id is `NOT_FOUND`. */
  game(...args: LedgerArgs<'game'>): Promise<GameInfo> {
    return this.store.ledgerCall('game', args);
  }

  /** Every player with its balance, ordered by id. */
  players(...args: LedgerArgs<'players'>): Promise<{ id: string; balance: bigint }[]> {
    return this.store.ledgerCall('players', args);
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
  history(...args: LedgerArgs<'history'>): Promise<Entry[]> {
    return this.store.ledgerCall('history', args);
  }

  /** Checks every invariant of the books and names each problem. */
  audit(...args: LedgerArgs<'audit'>): Promise<AuditReport> {
    return this.store.ledgerCall('audit', args);
  }
}
