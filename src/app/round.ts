/**
 * The craps round in progress. The ledger is its truth: the money (bets
 * escrowed in the game's pot), each bet's side (its wager) and every roll
 * are recorded there, so any device can list the open games and resume one
 * (`roundFromGame`); the point and the decision are derived from the rolls
 * by the rules, never stored. localStorage only remembers which game this
 * browser is playing, with a copy of its state for a quick first paint.
 */
import type { Bet, GameInfo } from '../index';
import { refunds, resolveRoll, type Decision, type Side, type SideBet } from './craps-rules';

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

function isSide(wager: string | null | undefined): wager is Side {
  return wager === 'pass' || wager === 'dontPass';
}

/**
 * The round as the ledger holds it. A bet recorded without a wager (before the ledger kept them)
 * takes its side from `saved`, the round this browser remembered, when it has that bet; otherwise
 * its side is unknown and it is left out, so it is returned at the payout (see `unknownStakes`).
 * Likewise for rolls made before the ledger kept them.
 */
export function roundFromGame(game: GameInfo, saved?: Round | null): Round {
  const remembered = new Map((saved?.gameId === game.id ? saved.bets : []).map((b) => [b.operationId, b.side]));
  const bets: StoredBet[] = [];
  for (const b of game.bets) {
    const side = isSide(b.wager) ? b.wager : remembered.get(b.operationId);
    if (side) bets.push({ playerId: b.playerId, side, amount: b.amount.toString(), key: b.operationId, operationId: b.operationId });
  }
  // A round begun before the ledger kept rolls has them only in the copy this browser saved, and
  // every roll since went to both: so a saved copy with more rolls than the ledger is the fuller one.
  const mine = saved?.gameId === game.id ? saved.rolls : [];
  const rolls = mine.length > game.rolls.length ? mine : game.rolls;
  let point: number | null = null;
  let decision: Decision | null = null;
  let counted = 0;
  for (const [a, b] of rolls) {
    if (decision) break; // nothing after a decision counts (a stray roll from another tab)
    ({ point, decision } = resolveRoll(point, a, b));
    counted++;
  }
  return { gameId: game.id, bets, point, rolls: rolls.slice(0, counted), decision, settled: game.status === 'settled' };
}
