/**
 * Hostile inputs through the public API: malformed SQL and parameters, ids
 * and amounts at and past their limits, TEXT that is not valid UTF-8, and
 * thousands of failing calls in a row. Every refusal is a typed StoreError,
 * nothing leaks (the worker's WASM heap stays flat), the store stays usable.
 */
import { expect, test } from '@playwright/test';
import { record } from './figures';
import { installHeapProbe, sampleHeap } from './heap-probe';
import { SIZES } from './profile';
import { toHarness } from './rounds';

type Probe = { label: string; ok: boolean; code?: string; typed?: boolean };

test('malformed SQL and parameters are refused with typed errors, and the store stays usable', async ({ page, baseURL, browserName }) => {
  await toHarness(page, baseURL!);
  const results = await page.evaluate(async () => {
    const P = window.pacioli;
    const s = await P.openStore({ name: 'hostile-sql' });
    await s.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const big = `SELECT ${'1+'.repeat(200_000)}1`;
    const cases: [string, () => Promise<unknown>][] = [
      ['typo', () => s.query('SELEC 1')],
      ['empty', () => s.run('')],
      ['only a semicolon', () => s.run(';')],
      ['unknown table', () => s.query('SELECT * FROM nope')],
      ['NUL in SQL', () => s.query('SELECT 1\u0000 junk')],
      ['unterminated string', () => s.run("INSERT INTO t (v) VALUES ('x)")],
      ['too few params', () => s.run('INSERT INTO t (id, v) VALUES (?, ?)', [1])],
      ['too many params', () => s.run('INSERT INTO t (v) VALUES (?)', [1, 2, 3])],
      ['undefined param', () => s.run('INSERT INTO t (v) VALUES (?)', [undefined as unknown as null])],
      ['NaN param', () => s.run('INSERT INTO t (v) VALUES (?)', [NaN])],
      ['object param', () => s.run('INSERT INTO t (v) VALUES (?)', [{} as unknown as null])],
      ['bigint past int64', () => s.run('INSERT INTO t (v) VALUES (?)', [2n ** 64n])],
      ['named param missing', () => s.run('INSERT INTO t (v) VALUES (:v)', { w: 1 })],
      ['params not a list', () => s.run('INSERT INTO t (v) VALUES (?)', 'x' as unknown as [])],
      ['SQL not a string', () => s.run(42 as unknown as string)],
      ['ATTACH', () => s.run("ATTACH 'x.db' AS x")],
      ['BEGIN outside transaction()', () => s.run('BEGIN')],
      ['foreign keys off', () => s.run('PRAGMA foreign_keys = OFF')],
      ['a 400 kB expression', () => s.query(big)],
      ['deep nesting', () => s.query(`SELECT ${'('.repeat(5000)}1${')'.repeat(5000)}`)],
    ];
    const out: { label: string; ok: boolean; code?: string; typed?: boolean }[] = [];
    for (const [label, call] of cases) {
      try {
        await call();
        out.push({ label, ok: true });
      } catch (e) {
        out.push({ label, ok: false, code: (e as { code?: string }).code, typed: P.isStoreError(e) });
      }
    }
    await s.run("INSERT INTO t (v) VALUES ('still works')");
    const rows = await s.query<{ v: string }>('SELECT v FROM t');
    const fk = await s.query<{ foreign_keys: number }>('PRAGMA foreign_keys');
    await s.close();
    return { out, rows: rows.map((r) => r.v), fk: fk[0]?.foreign_keys };
  });
  const untyped = results.out.filter((r) => !r.ok && !r.typed);
  // A huge expression may be accepted (SQLite's limits allow it); everything else must be refused.
  const accepted = results.out.filter((r) => r.ok && r.label !== 'a 400 kB expression');
  record({ family: 'hostile SQL', engine: browserName, rounds: results.out.length, injected: results.out.length, typedErrors: results.out.filter((r) => r.typed).length, untypedErrors: untyped.length });
  expect(untyped as Probe[]).toEqual([]);
  expect(accepted.map((r) => r.label)).toEqual([]);
  expect(results.rows).toEqual(['still works']);
  expect(results.fk).toBe(1);
});

test('ledger ids, amounts and keys at their limits pass, past them are refused typed, and the books stay whole', async ({ page, baseURL, browserName }) => {
  await toHarness(page, baseURL!);
  const r = await page.evaluate(async () => {
    const P = window.pacioli;
    const L = await P.openLedger({ name: 'hostile-ledger' });
    const MAX = 2n ** 63n - 1n;
    const cases: [string, boolean, () => Promise<unknown>][] = [
      ['id of 128 chars', true, () => L.createPlayer('x'.repeat(128), 10n)],
      ['id of 129 chars', false, () => L.createPlayer('y'.repeat(129), 10n)],
      ['empty id', false, () => L.createPlayer('', 10n)],
      ['id with NUL and emoji', true, () => L.createPlayer('a\u0000b😀', 10n)],
      ['lone surrogate id', true, () => L.createPlayer('\ud800', 10n)],
      ['zero amount', false, () => L.transfer('x'.repeat(128), 'a\u0000b😀', 0n)],
      ['negative amount', false, () => L.transfer('x'.repeat(128), 'a\u0000b😀', -1n)],
      ['amount 2^63', false, () => L.transfer('x'.repeat(128), 'a\u0000b😀', 2n ** 63n)],
      ['beyond the balance', false, () => L.transfer('x'.repeat(128), 'a\u0000b😀', 11n)],
      ['whole balance', true, () => L.transfer('x'.repeat(128), 'a\u0000b😀', 10n)],
      ['mint up to the supply cap', true, () => L.createPlayer('rich', MAX - 30n)],
      ['mint past the supply cap', false, () => L.createPlayer('richer', 1n)],
      ['key of 256 chars', true, () => L.transfer('rich', 'a\u0000b😀', 1n, { idempotencyKey: 'k'.repeat(256) })],
      ['key of 257 chars', false, () => L.transfer('rich', 'a\u0000b😀', 1n, { idempotencyKey: 'k'.repeat(257) })],
      ['key reused for other arguments', false, () => L.transfer('rich', 'a\u0000b😀', 2n, { idempotencyKey: 'k'.repeat(256) })],
      ['unknown player', false, () => L.transfer('nobody', 'rich', 1n)],
      ['to oneself', false, () => L.transfer('rich', 'rich', 1n)],
    ];
    const out: { label: string; expectOk: boolean; ok: boolean; code?: string; typed?: boolean }[] = [];
    for (const [label, expectOk, call] of cases) {
      try {
        await call();
        out.push({ label, expectOk, ok: true });
      } catch (e) {
        out.push({ label, expectOk, ok: false, code: (e as { code?: string }).code, typed: P.isStoreError(e) });
      }
    }
    const audit = await L.audit();
    await L.store.close();
    const again = await P.openLedger({ name: 'hostile-ledger' });
    const reloaded = await again.audit();
    return { out, audit: { ok: audit.ok, supply: String(audit.totalSupply), problems: audit.problems }, reloaded: { ok: reloaded.ok, supply: String(reloaded.totalSupply) } };
  });
  record({ family: 'hostile ledger args', engine: browserName, rounds: r.out.length, injected: r.out.filter((c) => !c.expectOk).length, typedErrors: r.out.filter((c) => c.typed).length, untypedErrors: r.out.filter((c) => !c.ok && !c.typed).length });
  expect(r.out.filter((c) => c.ok !== c.expectOk || (!c.ok && !c.typed))).toEqual([]);
  expect(r.audit.ok, r.audit.problems.join('; ')).toBe(true);
  expect(r.reloaded).toEqual({ ok: true, supply: r.audit.supply });
});

test('TEXT that is not valid UTF-8 round-trips byte for byte through the log, a fold and a reload, or is refused', async ({ page, baseURL, browserName }) => {
  await toHarness(page, baseURL!);
  const HEX = ['FF', 'C328', 'EDA080', '00FF41', 'F4908080', 'C0AF', '41FE42'];
  /** Runs SQL on the store (opened on first use); rows as plain data, or the error. */
  const sql = (text: string, fresh = false) =>
    page.evaluate(async ({ text, fresh }) => {
      const w = window as unknown as { u?: Awaited<ReturnType<typeof window.pacioli.openStore>> };
      if (fresh && w.u) {
        await w.u.close();
        w.u = undefined;
      }
      w.u ??= await window.pacioli.openStore({ name: 'hostile-utf8' });
      try {
        return { ok: true as const, rows: JSON.parse(JSON.stringify(await w.u.query(text))) as Record<string, unknown>[] };
      } catch (e) {
        return { ok: false as const, typed: window.pacioli.isStoreError(e), message: String((e as Error).message) };
      }
    }, { text, fresh });
  expect(await sql('CREATE TABLE u (id INTEGER PRIMARY KEY, v TEXT)')).toMatchObject({ ok: true });
  const want: { h: string }[] = [];
  let refused = 0;
  for (const h of HEX) {
    // Each in its own commit: each one is a log entry of row images.
    const r = await sql(`INSERT INTO u (v) VALUES (CAST(x'${h}' AS TEXT)) RETURNING id`);
    if (r.ok) want.push({ h });
    else {
      refused++;
      expect(r.typed, `the refusal of x'${h}' must be typed: ${r.message}`).toBe(true);
    }
  }
  const read = 'SELECT hex(v) AS h FROM u ORDER BY id';
  expect(await sql(read), 'in memory').toEqual({ ok: true, rows: want });
  expect(await sql(read, true), 'reloaded from the log').toEqual({ ok: true, rows: want });
  await page.reload();
  await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
  expect(await sql(read), 'after a page reload (log)').toEqual({ ok: true, rows: want });
  expect(await sql('SELECT 1 AS one')).toMatchObject({ ok: true });
  const folded = await page.evaluate(async () => window.e2e.settle((window as unknown as { u: { compact(): Promise<void> } }).u.compact()));
  expect(folded).toMatchObject({ ok: true });
  expect(await sql(read, true), 'reloaded from the folded snapshot').toEqual({ ok: true, rows: want });
  record({ family: 'hostile UTF-8', engine: browserName, rounds: HEX.length, injected: HEX.length, typedErrors: refused, note: `${want.length} invalid UTF-8 values stored, ${refused} refused` });
});

test('thousands of failing calls in a row: all typed, no leak in the worker, store still usable', async ({ page, baseURL, browserName }) => {
  test.setTimeout(60_000 + SIZES.failingCalls * 20);
  await installHeapProbe(page);
  await toHarness(page, baseURL!);
  const batch = (count: number) =>
    page.evaluate(async (count) => {
      const P = window.pacioli;
      const w = window as unknown as { f?: Awaited<ReturnType<typeof P.openStore>> };
      if (!w.f) {
        w.f = await P.openStore({ name: 'hostile-failing' });
        await w.f.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE); INSERT INTO t (v) VALUES (\'a\')');
      }
      const s = w.f;
      const calls = [
        () => s.query('SELECT * FROM missing_table'),
        () => s.run("INSERT INTO t (v) VALUES ('a')"),
        () => s.run('INSERT INTO t (v) VALUES (?)', [NaN]),
        () => s.query('SELEC broken'),
        () => s.run('INSERT INTO t (v) VALUES (?)', [null]),
      ];
      let typed = 0;
      let untyped = 0;
      for (let i = 0; i < count; i++) {
        try {
          await calls[i % calls.length]!();
          untyped++; // a call meant to fail succeeded: counted against
        } catch (e) {
          if (P.isStoreError(e)) typed++;
          else untyped++;
        }
      }
      return { typed, untyped };
    }, count);
  const warm = await batch(500);
  const before = await sampleHeap(page, 'hostile-failing');
  const main = await batch(SIZES.failingCalls);
  const after = await sampleHeap(page, 'hostile-failing');
  const usable = await page.evaluate(async () => {
    const s = (window as unknown as { f: Awaited<ReturnType<typeof window.pacioli.openStore>> }).f;
    await s.run("INSERT INTO t (v) VALUES ('b')");
    return (await s.query<{ n: number }>('SELECT count(*) AS n FROM t'))[0]!.n;
  });
  const growth = before && after ? after.wasm - before.wasm : null;
  record({ family: 'failing calls', engine: browserName, rounds: SIZES.failingCalls + 500, injected: SIZES.failingCalls + 500, typedErrors: warm.typed + main.typed, untypedErrors: warm.untyped + main.untyped, note: `WASM heap ${before?.wasm} -> ${after?.wasm} bytes over ${SIZES.failingCalls} failing calls; worker JS heap ${before?.js ?? 'n/a'} -> ${after?.js ?? 'n/a'}` });
  expect(main).toEqual({ typed: SIZES.failingCalls, untyped: 0 });
  expect(before, 'the probe did not find the worker\'s WASM heap').not.toBeNull();
  // Leaked statements or buffers would grow the heap by kilobytes per call; 1 MiB over thousands of calls is flat.
  expect(growth!).toBeLessThanOrEqual(1024 * 1024);
  expect(usable).toBe(2);
});
