/**
 * The craps round in progress, kept in localStorage so a reload resumes it.
 * The ledger holds the money (bets escrowed in the game's pot); this holds
 * what the ledger has no column for: each bet's side, the point and the rolls.
 */
import type { Decision, Side, SideBet } from './craps-rules';

/** A bet as the round remembers it (the amount as a decimal string: JSON has no bigint). */
export interface StoredBet {
  playerId: string;
  side: Side;
  amount: string;
  key: string;
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
