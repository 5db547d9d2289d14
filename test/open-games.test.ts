/**
 * The ledger keeps what a game needs to be resumed anywhere: each bet's
 * wager (what it is on), the dice rolled, and `openGames()` lists the
 * unsettled games with their pot, bets and rolls, so escrowed stakes are
 * never out of reach when a device forgets which game it was playing.
 */
import { describe, expect, it } from 'vitest';
import { ledgerOps } from '../src/ledger/operations';
import { LEDGER_MIGRATIONS, LOOKUPS } from '../src/ledger/schema';
import type { Engine } from '../src/worker/sql/engine';
import { inTx, ledgerEngine } from './helpers';

/** Runs an operation as the worker does (its own transaction); a failure is its StoreError code. */
function attempt<T>(e: Engine, fn: (e: Engine) => T): T | { code: string } {
  let value!: T;
  try {
    inTx(e, 1, (tx) => void (value = fn(tx)));
    return value;
  } catch (error) {
    return { code: (error as { code?: string }).code ?? String(error) };
  }
}

async function table(): Promise<Engine> {
  const e = await ledgerEngine();
  for (const [id, opening] of [['ann', 500n], ['ben', 300n]] as const) attempt(e, (e) => ledgerOps.createPlayer(e, id, opening));
  return e;
}

describe('open games', () => {
  it('lists unsettled games with pot, wagered bets and rolls, oldest first; settled ones drop out', async () => {
    const e = await table();
    expect(ledgerOps.openGames(e)).toEqual([]);
    attempt(e, (e) => ledgerOps.createGame(e, { id: 'g1' }));
    attempt(e, (e) => ledgerOps.createGame(e, { id: 'g2' }));
    const bet = attempt(e, (e) => ledgerOps.recordBet(e, 'g1', 'ann', 40n, { idempotencyKey: 'k1', wager: 'pass' }));
    attempt(e, (e) => ledgerOps.recordBet(e, 'g1', 'ben', 25n, { wager: 'dontPass' }));
    attempt(e, (e) => ledgerOps.recordBet(e, 'g2', 'ben', 5n)); // no wager: as before this migration
    expect(attempt(e, (e) => ledgerOps.recordRoll(e, 'g1', 4, 2))).toBe(1);
    expect(attempt(e, (e) => ledgerOps.recordRoll(e, 'g1', 5, 5))).toBe(2);

    const open = ledgerOps.openGames(e);
    expect(open.map((g) => g.id)).toEqual(['g1', 'g2']);
    expect(open[0]).toMatchObject({ status: 'open', pot: 65n, rolls: [[4, 2], [5, 5]] });
    expect(open[0]!.bets).toEqual([
      { operationId: (bet as { id: string }).id, playerId: 'ann', amount: 40n, wager: 'pass', at: expect.any(String) },
      { operationId: expect.any(String), playerId: 'ben', amount: 25n, wager: 'dontPass', at: expect.any(String) },
    ]);
    expect(open[1]).toMatchObject({ pot: 5n, rolls: [], bets: [{ playerId: 'ben', amount: 5n, wager: null }] });
    expect(Number.isNaN(Date.parse(open[0]!.createdAt))).toBe(false);
    expect(ledgerOps.game(e, 'g1')).toEqual(open[0]);

    attempt(e, (e) => ledgerOps.settleGame(e, 'g1', { ann: 80n }, { houseCovers: true }));
    expect(ledgerOps.openGames(e).map((g) => g.id)).toEqual(['g2']);
    expect(ledgerOps.audit(e)).toMatchObject({ ok: true });
  });

  it('refuses a bad roll, a roll on a settled or unknown game, a bad wager, and a retry that changes the wager', async () => {
    const e = await table();
    attempt(e, (e) => ledgerOps.createGame(e, { id: 'g' }));
    for (const [a, b] of [[0, 3], [7, 1], [2.5, 1], [3, Number.NaN]] as const) {
      expect(attempt(e, (e) => ledgerOps.recordRoll(e, 'g', a, b))).toEqual({ code: 'INVALID_ARGUMENT' });
    }
    expect(attempt(e, (e) => ledgerOps.recordRoll(e, 'nope', 1, 1))).toEqual({ code: 'NOT_FOUND' });
    for (const wager of ['', 'x'.repeat(33), 7 as unknown as string]) {
      expect(attempt(e, (e) => ledgerOps.recordBet(e, 'g', 'ann', 1n, { wager }))).toEqual({ code: 'INVALID_ARGUMENT' });
    }
    attempt(e, (e) => ledgerOps.recordBet(e, 'g', 'ann', 10n, { idempotencyKey: 'same', wager: 'pass' }));
    expect(attempt(e, (e) => ledgerOps.recordBet(e, 'g', 'ann', 10n, { idempotencyKey: 'same', wager: 'pass' }))).toMatchObject({ replayed: true });
    expect(attempt(e, (e) => ledgerOps.recordBet(e, 'g', 'ann', 10n, { idempotencyKey: 'same', wager: 'dontPass' }))).toEqual({ code: 'INVALID_ARGUMENT' });
    attempt(e, (e) => ledgerOps.settleGame(e, 'g', { ann: 10n }));
    expect(attempt(e, (e) => ledgerOps.recordRoll(e, 'g', 1, 1))).toEqual({ code: 'INVALID_ARGUMENT' });
    expect(ledgerOps.game(e, 'g').bets).toHaveLength(1);
  });

  it('keeps a wager only on a bet, and answers its lookups from an index', async () => {
    const e = await table();
    expect(() => inTx(e, 1, (e) => e.run(`INSERT INTO operation (id, kind, wager, created_at) VALUES ('x', 'transfer', 'pass', 'now')`))).toThrow(/CHECK/);
    for (const [sql, params] of [[LOOKUPS.openGames, []], [LOOKUPS.rolls, ['x']], [LOOKUPS.bets, ['x']]] as const) {
      const details = e.query(`EXPLAIN QUERY PLAN ${sql}`, [...params]).map((r) => String(r.detail));
      expect(details.filter((d) => /^SCAN /.test(d)), `${sql} scans:\n${details.join('\n')}`).toEqual([]);
    }
    expect(LEDGER_MIGRATIONS.find((m) => m.name === 'wagers and rolls')?.version).toBe(2);
  });
});
