/**
 * The craps round in progress, kept in localStorage so a reload resumes it.
 * The ledger holds the money (bets escrowed in the game's pot); this holds
 * what the ledger has no column for: each bet's side, the point and the rolls.
 */
import type { Bet } from '../index';
import { refunds, type Decision, type Side, type SideBet } from './craps-rules';

/** A bet as the round remembers it (the amount as a decimal string: JSON has no bigint). */
export interface StoredBet {
  playerId: string;
  side: Side;
  amount: string;
  key: string;
  /** The ledger's operation id of the bet (its receipt), to match the ledger's list of the game's bets. */
  operationId?: string;
}

/** The round's state. */
export interface Round {
  gameId: string;
  bets: StoredBet[];
  point: number | null;
  rolls: [number, number][];
  decision: Decision | null;
  settled: boolean;
}

/** The localStorage key of the round (other tabs follow it through the `storage` event). */
export const ROUND_KEY = 'bitcraps:round';

/** The saved round, or null (also for anything unreadable: the ledger is the truth for money). */
export function loadRound(): Round | null {
  try {
    const raw = localStorage.getItem(ROUND_KEY);
    const round = raw ? (JSON.parse(raw) as Round) : null;
    return round && typeof round.gameId === 'string' && Array.isArray(round.bets) ? round : null;
  } catch {
    return null;
  }
}

/** Saves (or with null, forgets) the round. */
export function saveRound(round: Round | null): void {
  if (round) localStorage.setItem(ROUND_KEY, JSON.stringify(round));
  else localStorage.removeItem(ROUND_KEY);
}

/** The round's bets with bigint amounts, for the rules. */
export function sideBets(round: Round): SideBet[] {
  return round.bets.map((b) => ({ playerId: b.playerId, side: b.side, amount: BigInt(b.amount) }));
}

/**
 * Stakes the ledger holds in the game's pot that this round does not know (a bet whose reply was lost
 * to a reload before the round was saved): their side is unknown, so they are returned, never kept.
 */
export function unknownStakes(round: Round, ledgerBets: readonly Bet[]): Record<string, bigint> {
  if (round.bets.some((b) => b.operationId === undefined)) return {}; // a round saved by an older version: cannot match
  const known = new Set(round.bets.map((b) => b.operationId));
  return refunds(ledgerBets.filter((b) => !known.has(b.operationId)).map((b) => ({ playerId: b.playerId, side: 'pass', amount: b.amount })));
}

/** Adds payouts player by player. */
export function addPayouts(a: Record<string, bigint>, b: Record<string, bigint>): Record<string, bigint> {
  const out = { ...a };
  for (const [id, amount] of Object.entries(b)) out[id] = (out[id] ?? 0n) + amount;
  return out;
}
