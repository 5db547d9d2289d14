/**
 * The rules of a craps round, for pass-line and don't-pass bets at even money.
 * Pure: no randomness, no ledger. The app rolls, asks `resolveRoll` what the
 * roll means, and settles with `payouts` once a round is decided.
 */

/** Which way a bet goes: with the shooter (pass line) or against (don't pass). */
export type Side = 'pass' | 'dontPass';

/** What a decided round means for one side. */
export type Outcome = 'win' | 'lose' | 'push';

/** A decided round: the outcome of each side. */
export interface Decision {
  pass: Outcome;
  dontPass: Outcome;
  /** Why, in words a player reads. */
  reason: string;
}

/** What one roll did: the new point (null on a come-out), and the decision if the round ended. */
export interface RollResult {
  total: number;
  point: number | null;
  decision: Decision | null;
}

/** One bet of a round. */
export interface SideBet {
  playerId: string;
  side: Side;
  amount: bigint;
}

function die(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 6) throw new RangeError(`a die shows 1 to 6, not ${value}`);
  return value;
}

/**
 * Applies one roll of two dice. `point` is null on the come-out roll.
 * Come-out: 7 or 11 wins the pass line (don't pass loses); 2 or 3 loses it
 * (don't pass wins); 12 loses it and pushes don't pass; anything else sets
 * the point. With a point: the point again wins the pass line, a 7 wins
 * don't pass, anything else rolls again.
 */
export function resolveRoll(point: number | null, first: number, second: number): RollResult {
  const total = die(first) + die(second);
  if (point === null) {
    if (total === 7 || total === 11) return { total, point: null, decision: { pass: 'win', dontPass: 'lose', reason: `${total} on the come-out: pass wins` } };
    if (total === 2 || total === 3) return { total, point: null, decision: { pass: 'lose', dontPass: 'win', reason: `${total} on the come-out: craps, don't pass wins` } };
    if (total === 12) return { total, point: null, decision: { pass: 'lose', dontPass: 'push', reason: `12 on the come-out: pass loses, don't pass pushes` } };
    return { total, point: total, decision: null };
  }
  if (total === point) return { total, point, decision: { pass: 'win', dontPass: 'lose', reason: `${total} made the point: pass wins` } };
  if (total === 7) return { total, point, decision: { pass: 'lose', dontPass: 'win', reason: `seven out: don't pass wins` } };
  return { total, point, decision: null };
}

/** What a bet returns at even money: twice the stake on a win, the stake on a push, nothing on a loss. */
export function returned(outcome: Outcome, amount: bigint): bigint {
  return outcome === 'win' ? 2n * amount : outcome === 'push' ? amount : 0n;
}

/** What each player receives when the round is decided (players who get nothing are left out). */
export function payouts(bets: readonly SideBet[], decision: Decision): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const bet of bets) {
    const amount = returned(decision[bet.side], bet.amount);
    if (amount > 0n) out[bet.playerId] = (out[bet.playerId] ?? 0n) + amount;
  }
  return out;
}

/** A cancelled round returns every stake. */
export function refunds(bets: readonly SideBet[]): Record<string, bigint> {
  return payouts(bets, { pass: 'push', dontPass: 'push', reason: 'cancelled' });
}
