import fc from 'fast-check';
import { command, Model, type Command } from './ledger-model';
import { describe, expect, it, vi } from 'vitest';
import { ledgerOps } from '../src/ledger/operations';
import { AUDIT_SUMS } from '../src/ledger/audit';
import { LEDGER_MIGRATIONS, LOOKUPS } from '../src/ledger/schema';
import { checkMigrations, migrate } from '../src/worker/features/migrations';
import { Engine } from '../src/worker/sql/engine';
import { ledgerEngine, loadSql, migrationSteps } from './helpers';

/** Runs one operation as the host does: its own transaction, rolled back on any error. */
function op<T>(e: Engine, fn: (e: Engine) => T): { ok: true; value: T } | { ok: false; code: string } {
  e.begin();
  try {
    const value = fn(e);
    e.pending(1);
    e.commit();
    return { ok: true, value };
  } catch (error) {
    e.rollback();
    return { ok: false, code: (error as { code?: string }).code ?? String(error) };
  }
}

describe('ledger', () => {
  it('moves balances and refuses what would break the books', async () => {
    const e = await ledgerEngine();
    op(e, (e) => ledgerOps.createPlayer(e, 'a', 1000n));
    op(e, (e) => ledgerOps.createPlayer(e, 'b', 1000n));
    expect(op(e, (e) => ledgerOps.transfer(e, 'a', 'b', 500n))).toMatchObject({ ok: true });
    expect([ledgerOps.getBalance(e, 'a'), ledgerOps.getBalance(e, 'b')]).toEqual([500n, 1500n]);
    expect(op(e, (e) => ledgerOps.transfer(e, 'a', 'b', 501n))).toEqual({ ok: false, code: 'INSUFFICIENT_FUNDS' });
    expect(op(e, (e) => ledgerOps.transfer(e, 'a', 'b', 0n))).toEqual({ ok: false, code: 'INVALID_ARGUMENT' });
    expect(op(e, (e) => ledgerOps.transfer(e, 'a', 'b', 2n ** 63n))).toEqual({ ok: false, code: 'INVALID_ARGUMENT' });
    expect(op(e, (e) => ledgerOps.createPlayer(e, 'a', 1n))).toEqual({ ok: false, code: 'CONSTRAINT' });
    expect(op(e, (e) => ledgerOps.recordBet(e, 'nope', 'a', 1n))).toEqual({ ok: false, code: 'NOT_FOUND' });
    expect(op(e, (e) => ledgerOps.getBalance(e, 'zz'))).toEqual({ ok: false, code: 'NOT_FOUND' });
    expect([ledgerOps.getBalance(e, 'a'), ledgerOps.getBalance(e, 'b')]).toEqual([500n, 1500n]);
    expect(ledgerOps.audit(e)).toEqual({ ok: true, problems: [], totalSupply: 2000n });
  });

  it('lets the foreign key, not only code, refuse a bet on a missing game', async () => {
    const e = await ledgerEngine();
    e.begin();
    expect(() => e.run(`INSERT INTO operation (id, kind, game, created_at) VALUES ('x', 'bet', 'missing', 'now')`)).toThrow(
      expect.objectContaining({ code: 'CONSTRAINT', message: expect.stringContaining('FOREIGN KEY') }),
    );
    e.rollback();
  });

  it('names what it finds wrong', async () => {
    const e = await ledgerEngine();
    op(e, (e) => ledgerOps.createPlayer(e, 'a', 10n));
    e.begin();
    e.run(`UPDATE account SET balance = balance + 5 WHERE ref = 'a'`); // a cached balance no entry explains
    e.commit();
    const report = ledgerOps.audit(e);
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toMatch(/player a: cached balance 15 differs from the sum of its entries 10/);
    expect(report.problems.join('\n')).toMatch(/total supply 15 is not explained/);
  });

  it('answers every lookup of the API from an index', async () => {
    const e = await ledgerEngine();
    for (const sql of [LOOKUPS.balance, LOOKUPS.history, LOOKUPS.idempotency, LOOKUPS.game]) {
      const plan = e.query(`EXPLAIN QUERY PLAN ${sql}`, sql === LOOKUPS.history ? [1, 2, 3] : ['x']);
      const details = plan.map((r) => String(r.detail));
      expect(details.some((d) => /USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY|PRIMARY KEY/.test(d)), `${sql}\n${details.join('\n')}`).toBe(true);
      expect(details.filter((d) => /^SCAN /.test(d)), `${sql} scans:\n${details.join('\n')}`).toEqual([]);
    }
  });
});

function execute(e: Engine, c: Command) {
  const opts = 'key' in c && c.key !== undefined ? { idempotencyKey: c.key } : undefined;
  switch (c.t) {
    case 'createPlayer':
      return op(e, (e) => ledgerOps.createPlayer(e, c.id, c.balance));
    case 'setBalance':
      return op(e, (e) => ledgerOps.setBalance(e, c.id, c.balance));
    case 'createGame':
      return op(e, (e) => ledgerOps.createGame(e, { id: c.id }));
    case 'transfer':
      return op(e, (e) => ledgerOps.transfer(e, c.from, c.to, c.amount, opts));
    case 'recordBet':
      return op(e, (e) => ledgerOps.recordBet(e, c.game, c.id, c.amount, opts));
    case 'settle':
      return op(e, (e) => ledgerOps.settleGame(e, c.game, c.payouts));
  }
}

it('random operation sequences agree with a simple model, keep the books balanced and survive a reload', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 30 }), async (commands) => {
      const e = await ledgerEngine();
      const model = new Model();
      const receipts = new Map<string, string>();
      for (const c of commands) {
        const expected = model.apply(c);
        const got = execute(e, c);
        if (expected === 'REPLAYED') {
          expect(got).toMatchObject({ ok: true, value: { replayed: true, id: receipts.get((c as { key: string }).key) } });
        } else if (expected) {
          expect(got, JSON.stringify(c, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))).toEqual({ ok: false, code: expected });
        } else {
          expect(got.ok, JSON.stringify(got)).toBe(true);
          if (got.ok && 'key' in c && c.key !== undefined) receipts.set(c.key, (got.value as { id: string }).id);
        }
        for (const [p, v] of model.balances) expect(ledgerOps.getBalance(e, p)).toBe(v);
        expect(ledgerOps.audit(e)).toEqual({ ok: true, problems: [], totalSupply: model.supply() });
      }
      const reloaded = await ledgerEngine(e.export());
      for (const [p, v] of model.balances) expect(ledgerOps.getBalance(reloaded, p)).toBe(v);
      expect(ledgerOps.audit(reloaded).ok).toBe(true);
      e.close();
      reloaded.close();
    }),
    { numRuns: Number(process.env.FC_RUNS ?? 100) },
  );
});

describe('ledger reads and even-money settlement', () => {
  it('lists players with balances and a game with its bets', async () => {
    const e = await ledgerEngine();
    op(e, (e) => ledgerOps.createPlayer(e, 'bob', 300n));
    op(e, (e) => ledgerOps.createPlayer(e, 'al', 2n ** 62n));
    op(e, (e) => ledgerOps.createGame(e, { id: 'g' }));
    op(e, (e) => ledgerOps.recordBet(e, 'g', 'bob', 100n));
    op(e, (e) => ledgerOps.recordBet(e, 'g', 'al', 7n));
    expect(ledgerOps.players(e)).toEqual([
      { id: 'al', balance: 2n ** 62n - 7n },
      { id: 'bob', balance: 200n },
    ]);
    const game = ledgerOps.game(e, 'g');
    expect(game).toMatchObject({ id: 'g', status: 'open', pot: 107n });
    expect(game.bets.map((b) => [b.playerId, b.amount])).toEqual([
      ['bob', 100n],
      ['al', 7n],
    ]);
    expect(op(e, (e) => ledgerOps.game(e, 'nope'))).toEqual({ ok: false, code: 'NOT_FOUND' });
  });

  it('lets the house cover even-money winners beyond the pot, only when asked, and keeps the audit ok', async () => {
    const e = await ledgerEngine();
    op(e, (e) => ledgerOps.createPlayer(e, 'p', 1000n));
    op(e, (e) => ledgerOps.createPlayer(e, 'd', 1000n));
    op(e, (e) => ledgerOps.createGame(e, { id: 'g' }));
    op(e, (e) => ledgerOps.recordBet(e, 'g', 'p', 100n));
    op(e, (e) => ledgerOps.recordBet(e, 'g', 'd', 30n));
    // pass wins: p gets 2 × 100 from a pot of 130; the house adds 70.
    expect(op(e, (e) => ledgerOps.settleGame(e, 'g', { p: 200n }))).toEqual({ ok: false, code: 'INVALID_ARGUMENT' });
    expect(op(e, (e) => ledgerOps.settleGame(e, 'g', { p: 200n }, { houseCovers: 'yes' as never }))).toEqual({ ok: false, code: 'INVALID_ARGUMENT' });
    expect(op(e, (e) => ledgerOps.settleGame(e, 'g', { p: 200n }, { houseCovers: true }))).toEqual({ ok: true, value: undefined });
    expect(ledgerOps.players(e)).toEqual([
      { id: 'd', balance: 970n },
      { id: 'p', balance: 1100n },
    ]);
    expect(ledgerOps.game(e, 'g')).toMatchObject({ status: 'settled', pot: 0n });
    expect(ledgerOps.audit(e)).toEqual({ ok: true, problems: [], totalSupply: 2070n });
    const settle = ledgerOps.history(e, 'p', { limit: 1 })[0]!;
    expect(settle).toMatchObject({ kind: 'settle', amount: 200n, gameId: 'g' });
    expect(op(e, (e) => ledgerOps.settleGame(e, 'g', {}, { houseCovers: true }))).toEqual({ ok: false, code: 'INVALID_ARGUMENT' });
  });

  it("sums the books from the entries' indexes alone, without a row lookup per entry", async () => {
    const e = await ledgerEngine();
    for (const sql of Object.values(AUDIT_SUMS)) {
      const details = e.query(`EXPLAIN QUERY PLAN ${sql}`).map((r) => String(r.detail));
      expect(details.filter((d) => /\bentry\b/.test(d)), `${sql}\n${details.join('\n')}`).toEqual([expect.stringMatching(/^SCAN entry USING COVERING INDEX /)]);
    }
  });

  it('moves a ledger with entries to the indexes that carry amounts, and back, keeping its books', async () => {
    const e = new Engine(await loadSql());
    const steps = migrationSteps(e);
    const known = await checkMigrations(LEDGER_MIGRATIONS);
    await migrate(steps, known, 3);
    op(e, (e) => (ledgerOps.createPlayer(e, 'a', 1000n), ledgerOps.createPlayer(e, 'b', 1000n)));
    for (let i = 1; i <= 20; i++) op(e, (e) => ledgerOps.transfer(e, i % 2 ? 'a' : 'b', i % 2 ? 'b' : 'a', BigInt(i)));
    const before = { a: ledgerOps.history(e, 'a', { limit: 50 }), b: ledgerOps.history(e, 'b', { limit: 50 }) };
    const plan = (sql: string) => e.query(`EXPLAIN QUERY PLAN ${sql}`).map((r) => String(r.detail)).join('\n');
    expect(plan(AUDIT_SUMS.byAccount)).not.toMatch(/COVERING INDEX entry_by_account/);
    for (const [target, covering] of [[4, true], [3, false]] as const) {
      expect(await migrate(steps, known, target)).toBe(1);
      expect(ledgerOps.audit(e)).toMatchObject({ ok: true, problems: [], totalSupply: 2000n });
      expect({ a: ledgerOps.history(e, 'a', { limit: 50 }), b: ledgerOps.history(e, 'b', { limit: 50 }) }).toEqual(before);
      expect(/COVERING INDEX entry_by_account/.test(plan(AUDIT_SUMS.byAccount))).toBe(covering);
    }
  });

  it('hands out operation and game ids that grow with time, and differ within one millisecond', async () => {
    // Ids in time order go in at the end of the operation and game keys and of entry_by_operation,
    // not at a random page of them: a commit touches the same few pages however large the ledger is.
    const e = await ledgerEngine();
    op(e, (e) => (ledgerOps.createPlayer(e, 'a', 1000n), ledgerOps.createPlayer(e, 'b', 1000n)));
    const start = Date.now();
    const ids: string[] = [];
    const sameMs: string[] = [];
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      for (let i = 0; i < 20; i++) {
        vi.setSystemTime(start + 2 * i);
        const transfer = op(e, (e) => ledgerOps.transfer(e, 'a', 'b', 1n));
        vi.setSystemTime(start + 2 * i + 1);
        const game = op(e, (e) => ledgerOps.createGame(e));
        if (!transfer.ok || !game.ok) throw new Error('an operation failed');
        ids.push(transfer.value.id, game.value);
      }
      for (let i = 0; i < 50; i++) {
        const transfer = op(e, (e) => ledgerOps.transfer(e, 'b', 'a', 1n));
        if (transfer.ok) sameMs.push(transfer.value.id);
      }
    } finally {
      vi.useRealTimers();
    }
    for (const id of [...ids, ...sameMs]) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(sameMs).size).toBe(50);
  });

  it('answers the new lookups from an index', async () => {
    const e = await ledgerEngine();
    for (const [sql, params] of [[LOOKUPS.players, []], [LOOKUPS.bets, ['x']]] as const) {
      const details = e.query(`EXPLAIN QUERY PLAN ${sql}`, [...params]).map((r) => String(r.detail));
      expect(details.filter((d) => /^SCAN /.test(d)), `${sql} scans:\n${details.join('\n')}`).toEqual([]);
    }
  });
});
