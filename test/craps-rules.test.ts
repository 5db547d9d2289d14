import { describe, expect, it } from 'vitest';
import { payouts, refunds, resolveRoll, returned, type Decision } from '../src/app/craps-rules';
import { rollDie } from '../src/app/dice';
import { formatTokens, parseAmount } from '../src/app/amount';

/** Dice pairs for each total (one is enough: only the sum matters). */
const PAIR: Record<number, [number, number]> = { 2: [1, 1], 3: [1, 2], 4: [2, 2], 5: [2, 3], 6: [3, 3], 7: [3, 4], 8: [4, 4], 9: [4, 5], 10: [5, 5], 11: [5, 6], 12: [6, 6] };
const roll = (point: number | null, total: number) => resolveRoll(point, ...PAIR[total]!);
const sides = (d: Decision | null) => d && [d.pass, d.dontPass];

describe('come-out roll', () => {
  it.each([7, 11])('%i: pass wins, don\'t pass loses', (t) => {
    expect(sides(roll(null, t).decision)).toEqual(['win', 'lose']);
  });
  it.each([2, 3])('%i: pass loses, don\'t pass wins', (t) => {
    expect(sides(roll(null, t).decision)).toEqual(['lose', 'win']);
  });
  it('12: pass loses, don\'t pass pushes', () => {
    expect(sides(roll(null, 12).decision)).toEqual(['lose', 'push']);
  });
  it.each([4, 5, 6, 8, 9, 10])('%i sets the point and decides nothing', (t) => {
    expect(roll(null, t)).toEqual({ total: t, point: t, decision: null });
  });
});

describe('point phase', () => {
  for (const point of [4, 5, 6, 8, 9, 10]) {
    it(`point ${point}: the point wins pass, 7 wins don't pass, every other total rolls again`, () => {
      expect(sides(roll(point, point).decision)).toEqual(['win', 'lose']);
      expect(sides(roll(point, 7).decision)).toEqual(['lose', 'win']);
      for (const t of [2, 3, 4, 5, 6, 8, 9, 10, 11, 12].filter((t) => t !== point)) {
        expect(roll(point, t), `total ${t}`).toEqual({ total: t, point, decision: null });
      }
    });
  }
  it('refuses a die that is not 1 to 6', () => {
    expect(() => resolveRoll(null, 0, 3)).toThrow(RangeError);
    expect(() => resolveRoll(null, 7, 3)).toThrow(RangeError);
  });
});

describe('even-money payouts', () => {
  const bets = [
    { playerId: 'ann', side: 'pass' as const, amount: 100n },
    { playerId: 'bo', side: 'dontPass' as const, amount: 2n ** 62n },
    { playerId: 'ann', side: 'dontPass' as const, amount: 5n },
  ];
  it('pays a winner twice the stake, a push the stake, a loser nothing, summed per player', () => {
    expect(returned('win', 7n)).toBe(14n);
    expect(returned('push', 7n)).toBe(7n);
    expect(returned('lose', 7n)).toBe(0n);
    expect(payouts(bets, roll(null, 7).decision!)).toEqual({ ann: 200n });
    expect(payouts(bets, roll(null, 2).decision!)).toEqual({ bo: 2n ** 63n, ann: 10n });
    expect(payouts(bets, roll(null, 12).decision!)).toEqual({ bo: 2n ** 62n, ann: 5n });
    expect(refunds(bets)).toEqual({ ann: 105n, bo: 2n ** 62n });
  });
});

describe('dice', () => {
  it('rejects bytes of 252 and above instead of folding them (no modulo bias)', () => {
    const bytes = [255, 252, 251, 0, 5, 6];
    const source = (b: Uint8Array) => void (b[0] = bytes.shift()!);
    expect([rollDie(source), rollDie(source), rollDie(source), rollDie(source)]).toEqual([6, 1, 6, 1]);
    expect(bytes).toEqual([]);
  });
  it('gives each face exactly 42 of the 256 byte values', () => {
    const counts = [0, 0, 0, 0, 0, 0, 0];
    for (let v = 0; v < 252; v++) counts[rollDie((b) => void (b[0] = v))]!++;
    expect(counts.slice(1)).toEqual([42, 42, 42, 42, 42, 42]);
  });
});

describe('amounts', () => {
  it('reads whole tokens exactly, beyond 2^53 too', () => {
    expect(parseAmount(' 9007199254740993 ')).toEqual({ ok: true, value: 9007199254740993n });
    expect(parseAmount('1,000')).toEqual({ ok: true, value: 1000n });
    expect(parseAmount('-5')).toEqual({ ok: true, value: -5n });
    expect(parseAmount('18446744073709551616')).toEqual({ ok: true, value: 2n ** 64n });
  });
  it('names what is wrong with text that is not an amount', () => {
    expect(parseAmount('')).toMatchObject({ ok: false, message: expect.stringMatching(/enter/i) });
    expect(parseAmount('1.5')).toMatchObject({ ok: false, message: expect.stringMatching(/whole/) });
    expect(parseAmount('12abc')).toMatchObject({ ok: false, message: expect.stringMatching(/not a whole number/) });
  });
  it('formats exactly', () => {
    expect(formatTokens(1234567n)).toBe('1,234,567');
    expect(formatTokens(-(2n ** 63n))).toBe('−9,223,372,036,854,775,808');
    expect(formatTokens(0n)).toBe('0');
  });
});

describe('a round against the ledger\'s bets', () => {
  it('returns stakes the ledger holds but the round does not know, and adds payouts per player', async () => {
    const { unknownStakes, addPayouts } = await import('../src/app/round');
    const round = { gameId: 'g', point: null, rolls: [], decision: null, settled: false, bets: [{ playerId: 'a', side: 'pass' as const, amount: '5', key: 'k', operationId: 'op1' }] };
    const ledgerBets = [
      { operationId: 'op1', playerId: 'a', amount: 5n, wager: null, at: '' },
      { operationId: 'op2', playerId: 'b', amount: 7n, wager: null, at: '' },
      { operationId: 'op3', playerId: 'a', amount: 1n, wager: null, at: '' },
    ];
    expect(unknownStakes(round, ledgerBets)).toEqual({ b: 7n, a: 1n });
    expect(unknownStakes({ ...round, bets: [{ ...round.bets[0]!, operationId: undefined }] }, ledgerBets)).toEqual({});
    expect(addPayouts({ a: 10n }, { a: 1n, b: 7n })).toEqual({ a: 11n, b: 7n });
  });
});

describe('a round resumed from the ledger', () => {
  const game = (rolls: [number, number][], wagers: (string | null)[], status: 'open' | 'settled' = 'open') => ({
    id: 'g',
    status,
    createdAt: '2026-01-01T00:00:00.000Z',
    pot: 30n,
    bets: wagers.map((wager, i) => ({ operationId: `op${i}`, playerId: `p${i}`, amount: 10n, wager, at: '' })),
    rolls,
  });

  it('takes each bet\'s side from its wager and derives the point and the decision from the rolls', async () => {
    const { roundFromGame } = await import('../src/app/round');
    const comeOut = roundFromGame(game([], ['pass', 'dontPass']));
    expect(comeOut).toMatchObject({ gameId: 'g', point: null, decision: null, settled: false, rolls: [] });
    expect(comeOut.bets.map((b) => [b.playerId, b.side, b.amount, b.operationId])).toEqual([['p0', 'pass', '10', 'op0'], ['p1', 'dontPass', '10', 'op1']]);
    expect(roundFromGame(game([[2, 2], [1, 5]], ['pass']))).toMatchObject({ point: 4, decision: null });
    expect(roundFromGame(game([[2, 2], [1, 5], [3, 1]], ['pass'])).decision).toMatchObject({ pass: 'win', dontPass: 'lose' });
    expect(roundFromGame(game([[6, 6]], ['pass'])).decision).toMatchObject({ pass: 'lose', dontPass: 'push' });
    // A roll after the decision (another tab's) does not count.
    expect(roundFromGame(game([[3, 4], [2, 2]], ['pass']))).toMatchObject({ point: null, rolls: [[3, 4]], decision: { pass: 'win' } });
    expect(roundFromGame(game([[3, 4]], ['pass'], 'settled')).settled).toBe(true);
  });

  it('leaves out a bet of unknown side unless this browser remembered it, so its stake is returned', async () => {
    const { roundFromGame, unknownStakes } = await import('../src/app/round');
    const g = game([], ['pass', null, 'craps-something-else']);
    const round = roundFromGame(g);
    expect(round.bets.map((b) => b.playerId)).toEqual(['p0']);
    expect(unknownStakes(round, g.bets)).toEqual({ p1: 10n, p2: 10n });
    const saved = { ...round, bets: [...round.bets, { playerId: 'p1', side: 'dontPass' as const, amount: '10', key: 'k', operationId: 'op1' }] };
    expect(roundFromGame(g, saved).bets.map((b) => [b.playerId, b.side])).toEqual([['p0', 'pass'], ['p1', 'dontPass']]);
    expect(roundFromGame(g, { ...saved, gameId: 'other' }).bets).toHaveLength(1);
  });

  it('keeps the rolls this browser saved when the ledger has fewer (a round begun before it kept them)', async () => {
    const { roundFromGame } = await import('../src/app/round');
    const before = roundFromGame(game([], ['pass']));
    const saved = { ...before, rolls: [[2, 3]] as [number, number][], point: 5 };
    expect(roundFromGame(game([], ['pass']), saved)).toMatchObject({ point: 5, rolls: [[2, 3]] });
    // Another tab rolled on: the ledger has more, and it wins.
    expect(roundFromGame(game([[2, 3], [1, 1]], ['pass']), saved)).toMatchObject({ point: 5, rolls: [[2, 3], [1, 1]] });
    expect(roundFromGame(game([[2, 3], [4, 1]], ['pass']), saved).decision).toMatchObject({ pass: 'win' });
  });
});
