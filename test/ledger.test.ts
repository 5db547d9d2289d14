import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ledgerOps } from '../src/ledger/operations';
import { LEDGER_MIGRATIONS, LOOKUPS } from '../src/ledger/schema';
import { Engine } from '../src/worker/engine';
import { checkMigrations, migrate } from '../src/worker/migrations';
import { loadSql } from './helpers';

async function ledgerEngine(image?: Uint8Array): Promise<Engine> {
  const e = new Engine(await loadSql(), image);
  if (!image) {
    const commitOpen = async () => (e.pending(1), e.commit());
    await migrate({ engine: () => e, commitOpen, checkpoint: async () => {} }, await checkMigrations(LEDGER_MIGRATIONS), 1);
  }
  return e;
}

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

// ---- model-based property test -------------------------------------------------------------

const players = ['p0', 'p1', 'p2', 'p3'];
const games = ['g0', 'g1'];
const amount = fc.oneof(fc.bigInt({ min: 1n, max: 1000n }), fc.bigInt({ min: -5n, max: 2n ** 63n + 5n }));
const key = fc.option(fc.constantFrom('k0', 'k1', 'k2'), { nil: undefined });
const command = fc.oneof(
  fc.record({ t: fc.constant('createPlayer' as const), id: fc.constantFrom(...players), balance: fc.bigInt({ min: 0n, max: 2n ** 62n }) }),
  fc.record({ t: fc.constant('transfer' as const), from: fc.constantFrom(...players), to: fc.constantFrom(...players), amount, key }),
  fc.record({ t: fc.constant('setBalance' as const), id: fc.constantFrom(...players), balance: fc.bigInt({ min: 0n, max: 2n ** 62n }) }),
  fc.record({ t: fc.constant('createGame' as const), id: fc.constantFrom(...games) }),
  fc.record({ t: fc.constant('recordBet' as const), game: fc.constantFrom(...games), id: fc.constantFrom(...players), amount, key }),
  fc.record({ t: fc.constant('settle' as const), game: fc.constantFrom(...games), payouts: fc.dictionary(fc.constantFrom(...players), fc.bigInt({ min: 0n, max: 3000n }), { maxKeys: 2 }) }),
);
type Command = typeof command extends fc.Arbitrary<infer C> ? C : never;

class Model {
  balances = new Map<string, bigint>();
  pots = new Map<string, { pot: bigint; settled: boolean }>();
  keys = new Map<string, { request: string; id?: string }>();

  /** The expected outcome: an error code, or undefined when the command succeeds (and is applied). */
  apply(c: Command): string | undefined {
    const MAX = 2n ** 63n - 1n;
    switch (c.t) {
      case 'createPlayer':
        if (this.balances.has(c.id)) return 'CONSTRAINT';
        this.balances.set(c.id, c.balance);
        return undefined;
      case 'setBalance':
        if (!this.balances.has(c.id)) return 'NOT_FOUND';
        this.balances.set(c.id, c.balance);
        return undefined;
      case 'createGame':
        if (this.pots.has(c.id)) return 'CONSTRAINT';
        this.pots.set(c.id, { pot: 0n, settled: false });
        return undefined;
      case 'transfer':
      case 'recordBet': {
        const request = c.t === 'transfer' ? `t:${c.from}:${c.to}:${c.amount}` : `b:${c.game}:${c.id}:${c.amount}`;
        if (c.amount <= 0n || c.amount > MAX) return 'INVALID_ARGUMENT';
        const earlier = c.key === undefined ? undefined : this.keys.get(c.key);
        if (earlier) return earlier.request === request ? 'REPLAYED' : 'INVALID_ARGUMENT';
        const payer = c.t === 'transfer' ? c.from : c.id;
        if (c.t === 'transfer' && c.from === c.to) return 'INVALID_ARGUMENT';
        if (c.t === 'recordBet' && !this.pots.has(c.game)) return 'NOT_FOUND';
        if (c.t === 'recordBet' && this.pots.get(c.game)!.settled) return 'INVALID_ARGUMENT';
        if (!this.balances.has(payer) || (c.t === 'transfer' && !this.balances.has(c.to))) return 'NOT_FOUND';
        if (this.balances.get(payer)! < c.amount) return 'INSUFFICIENT_FUNDS';
        if (c.t === 'transfer' && this.balances.get(c.to)! + c.amount > MAX) return 'INVALID_ARGUMENT';
        if (c.t === 'recordBet' && this.pots.get(c.game)!.pot + c.amount > MAX) return 'INVALID_ARGUMENT';
        this.balances.set(payer, this.balances.get(payer)! - c.amount);
        if (c.t === 'transfer') this.balances.set(c.to, this.balances.get(c.to)! + c.amount);
        else this.pots.get(c.game)!.pot += c.amount;
        if (c.key !== undefined) this.keys.set(c.key, { request });
        return undefined;
      }
      case 'settle': {
        const g = this.pots.get(c.game);
        if (!g) return 'NOT_FOUND';
        if (g.settled) return 'INVALID_ARGUMENT';
        if (Object.keys(c.payouts).some((p) => !this.balances.has(p))) return 'NOT_FOUND';
        const total = Object.values(c.payouts).reduce((a, b) => a + b, 0n);
        if (total > g.pot) return 'INVALID_ARGUMENT';
        for (const [p, v] of Object.entries(c.payouts)) this.balances.set(p, this.balances.get(p)! + v);
        g.pot = 0n;
        g.settled = true;
        return undefined;
      }
    }
  }

  supply(): bigint {
    let s = 0n;
    for (const v of this.balances.values()) s += v;
    for (const g of this.pots.values()) s += g.pot;
    return s;
  }
}

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
    { numRuns: 100 },
  );
});
