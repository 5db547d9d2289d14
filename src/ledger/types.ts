/** Types of the ledger API, shared by the page and the worker. */

/** What a transfer or bet returns; `replayed` is true when an idempotent retry found the original. */
export interface Receipt {
  id: string;
  replayed: boolean;
}

/** One line of a player's history, newest first. */
export interface Entry {
  /** The entry's id; pass it as `before` to fetch the next page. */
  id: string;
  operationId: string;
  kind: 'open' | 'adjust' | 'transfer' | 'bet' | 'settle';
  /** Positive: credited to the player; negative: debited. */
  amount: bigint;
  gameId: string | null;
  /** ISO-8601 UTC time of the commit. */
  at: string;
}

/** The result of checking every invariant of the books. */
export interface AuditReport {
  ok: boolean;
  /** One sentence per problem found, naming the operation, account or game. */
  problems: string[];
  /** Tokens held by players and pots: exactly what the house has minted. */
  totalSupply: bigint;
}

/** One bet escrowed in a game's pot. */
export interface Bet {
  operationId: string;
  playerId: string;
  amount: bigint;
  /** What the bet is on (at the craps table 'pass' or 'dontPass'); null when it was placed without one. */
  wager: string | null;
  at: string;
}

/** A game as the ledger knows it: open or settled, what its pot holds, and its bets. */
export interface GameInfo {
  id: string;
  status: 'open' | 'settled';
  /** ISO-8601 UTC time it was created. */
  createdAt: string;
  pot: bigint;
  bets: Bet[];
  /** The dice rolled in it (`recordRoll`), oldest first. */
  rolls: [number, number][];
}
