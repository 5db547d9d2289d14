/**
 * Several tabs of one origin behave as one database: pages of one
 * BrowserContext share origin storage, each runs its own store worker.
 */
import type { Page } from '@playwright/test';
import { expect, gotoHarness, test } from './fixtures';

declare global {
  interface Window {
    ledger?: import('../src/index').Ledger;
    calls?: number[];
    txOpen?: boolean;
  }
}

/** Opens `count` tabs on the harness, each with the store `name` open as `window.stores[name]`. */
async function tabs(page: Page, count: number, name: string, options: Record<string, unknown> = {}): Promise<Page[]> {
  const pages = [page];
  for (let i = 1; i < count; i++) pages.push(await page.context().newPage());
  for (const p of pages) {
    if (p !== page) await gotoHarness(p);
  }
  await Promise.all(pages.map((p) => p.evaluate(async ({ name, options }) => {
    window.stores[name] = await window.pacioli.openStore({ ...options, name });
  }, { name, options })));
  return pages;
}

const count = (p: Page, name: string) =>
  p.evaluate(async (name) => Number((await window.stores[name]!.query<{ n: number }>('SELECT n FROM counter'))[0]!.n), name);

test('4 tabs × 250 read-then-increment transactions end at exactly 1000 in every tab', async ({ harness }) => {
  test.setTimeout(240_000); // 1000 cross-tab durable transactions; on a loaded 2-core machine this needs minutes
  const pages = await tabs(harness, 4, 'c');
  await pages[0]!.evaluate(() => window.stores.c!.run('CREATE TABLE counter(n INTEGER NOT NULL); INSERT INTO counter VALUES (0)'));
  await Promise.all(
    pages.map((p) =>
      p.evaluate(async () => {
        const store = window.stores.c!;
        for (let i = 0; i < 250; i++) {
          await store.transaction(async (tx) => {
            const [{ n }] = await tx.query<{ n: number }>('SELECT n FROM counter');
            await tx.run('UPDATE counter SET n = ?', [n + 1]);
          });
        }
      }),
    ),
  );
  for (const p of pages) await expect.poll(() => count(p, 'c'), { timeout: 5000 }).toBe(1000);
});

test('4 tabs moving tokens around a ring keep the supply and the books exact in every tab', async ({ harness }) => {
  const pages = [harness];
  for (let i = 1; i < 4; i++) pages.push(await harness.context().newPage());
  for (const p of pages.slice(1)) await gotoHarness(p);
  await Promise.all(pages.map((p) => p.evaluate(async () => void (window.ledger = await window.pacioli.openLedger({ name: 'ring' })))));
  await pages[0]!.evaluate(async () => {
    for (let i = 0; i < 6; i++) await window.ledger!.createPlayer(`p${i}`, 1000n);
  });
  await Promise.all(
    pages.map((p, t) =>
      p.evaluate(async (t) => {
        for (let i = 0; i < 60; i++) {
          const from = (t + i) % 6;
          await window.ledger!.transfer(`p${from}`, `p${(from + 1) % 6}`, BigInt(1 + ((t * 7 + i) % 13))).catch((e: { code?: string }) => {
            if (e.code !== 'INSUFFICIENT_FUNDS') throw e;
          });
        }
      }, t),
    ),
  );
  for (const p of pages) {
    const report = await p.evaluate(async () => {
      await window.ledger!.store.transaction(async () => undefined); // a transaction starts from the latest commit
      const a = await window.ledger!.audit();
      return { ok: a.ok, problems: a.problems, supply: String(a.totalSupply) };
    });
    expect(report).toEqual({ ok: true, problems: [], supply: '6000' });
  }
});

test('a write in one tab reaches a plain read in another within a bounded time, and a transaction at once', async ({ harness }) => {
  const [a, b] = await tabs(harness, 2, 'v');
  await a!.evaluate(() => window.stores.v!.run('CREATE TABLE t(x INTEGER)'));
  await b!.evaluate(() => window.stores.v!.transaction(async () => undefined)); // b has the table
  await a!.evaluate(() => window.stores.v!.run('INSERT INTO t VALUES (42)'));
  const inTx = await b!.evaluate(() => window.stores.v!.transaction((tx) => tx.query<{ x: number }>('SELECT x FROM t')));
  expect(inTx).toEqual([{ x: 42 }]);
  await a!.evaluate(() => window.stores.v!.run('INSERT INTO t VALUES (43)'));
  const started = Date.now();
  await expect.poll(() => b!.evaluate(async () => (await window.stores.v!.query('SELECT x FROM t')).length), { timeout: 3000, intervals: [20] }).toBe(2);
  expect(Date.now() - started).toBeLessThan(3000);
});

test('watch fires after a commit in another tab to a watched table, and not for other tables', async ({ harness }) => {
  const [a, b] = await tabs(harness, 2, 'w');
  await a!.evaluate(() => window.stores.w!.run('CREATE TABLE watched(x INTEGER); CREATE TABLE other(y INTEGER)'));
  await b!.evaluate(async () => {
    await window.stores.w!.transaction(async () => undefined);
    window.calls = [];
    window.stores.w!.watch<{ n: number }>('SELECT count(*) AS n FROM watched', undefined, (rows) => window.calls!.push(rows[0]!.n));
  });
  await expect.poll(() => b!.evaluate(() => window.calls!.slice())).toEqual([0]);
  await a!.evaluate(() => window.stores.w!.run('INSERT INTO other VALUES (1)'));
  await a!.evaluate(() => window.stores.w!.run('INSERT INTO watched VALUES (1)'));
  await expect.poll(() => b!.evaluate(() => window.calls!.slice())).toEqual([0, 1]);
  await a!.evaluate(() => window.stores.w!.run('INSERT INTO other VALUES (2)'));
  await b!.waitForTimeout(1500); // past the poll interval: a commit to `other` must not call back
  expect(await b!.evaluate(() => window.calls!.slice())).toEqual([0, 1]);
});

for (const how of ['close', 'crash'] as const) {
  test(`a tab ${how === 'close' ? 'closed' : 'crashed'} in the middle of a transaction leaves nothing, and the next tab goes on at once`, async ({ harness, browserName }) => {
    test.skip(how === 'crash' && browserName !== 'chromium', 'Page.crash is a Chromium DevTools command');
    const [a, b] = await tabs(harness, 2, 'k', { txTimeoutMs: 30_000 });
    await a!.evaluate(() => window.stores.k!.run('CREATE TABLE t(x INTEGER)'));
    await a!.evaluate(() => {
      void window.stores.k!.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (1)');
        window.txOpen = true;
        await new Promise(() => {}); // never finishes: the tab goes away with it open
      });
    });
    await expect.poll(() => a!.evaluate(() => window.txOpen === true)).toBe(true);
    if (how === 'close') await a!.close();
    else {
      // The reply to Page.crash never comes (its target is gone): wait for the crash itself.
      const crashed = a!.waitForEvent('crash');
      void (await a!.context().newCDPSession(a!)).send('Page.crash').catch(() => undefined);
      await crashed;
    }
    const started = Date.now();
    const rows = await b!.evaluate(() =>
      window.stores.k!.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (2)');
        return tx.query<{ x: number }>('SELECT x FROM t ORDER BY x');
      }),
    );
    expect(rows).toEqual([{ x: 2 }]);
    expect(Date.now() - started).toBeLessThan(10_000); // well before the dead transaction's 30 s timeout
  });
}

test('a tab writing without pause keeps the write lock between its writes, yet another tab that asks gets its turn', async ({ harness }) => {
  // txTimeoutMs 1000: a tab waiting past 5 s for the lock would fail with BUSY.
  const [a, b] = await tabs(harness, 2, 'lease', { txTimeoutMs: 1000 });
  await a!.evaluate(() => window.stores.lease!.run('CREATE TABLE t(tab TEXT NOT NULL)'));
  // A read that must see another tab's latest commit runs in a transaction (README: plain reads see it once announced).
  await b!.evaluate(() => window.stores.lease!.transaction((tx) => tx.query('SELECT count(*) FROM t')));
  const busy = a!.evaluate(async () => {
    const store = window.stores.lease!;
    const until = Date.now() + 8000;
    let n = 0;
    while (Date.now() < until) (await store.run(`INSERT INTO t VALUES ('a')`), n++);
    return n;
  });
  const fromB = await b!.evaluate(async () => {
    const store = window.stores.lease!;
    await new Promise((r) => setTimeout(r, 500)); // a is writing by now, and holds the lease
    for (let i = 0; i < 20; i++) await store.run(`INSERT INTO t VALUES ('b')`);
    return Number((await store.query<{ n: number }>(`SELECT count(*) AS n FROM t WHERE tab = 'b'`))[0]!.n);
  });
  const fromA = await busy;
  expect(fromB).toBe(20);
  const total = fromA + fromB;
  for (const p of [a!, b!]) {
    await expect.poll(() => p.evaluate(async () => Number((await window.stores.lease!.query<{ n: number }>('SELECT count(*) AS n FROM t'))[0]!.n))).toBe(total);
  }
});

test('a tab that missed many commits catches up from the log, not by reloading the snapshot', async ({ harness }) => {
  const [a, b] = await tabs(harness, 2, 'm', { compactAfterBytes: 64 * 1024 * 1024 });
  await a!.evaluate(() => window.stores.m!.run('CREATE TABLE t(x INTEGER)'));
  await b!.evaluate(() => window.stores.m!.transaction(async () => undefined));
  const before = await b!.evaluate(() => window.stores.m!.stats());
  await a!.evaluate(async () => {
    for (let i = 0; i < 200; i++) await window.stores.m!.run('INSERT INTO t VALUES (?)', [i]);
  });
  await expect.poll(() => b!.evaluate(async () => Number((await window.stores.m!.query<{ n: number }>('SELECT count(*) AS n FROM t'))[0]!.n))).toBe(200);
  const after = await b!.evaluate(() => window.stores.m!.stats());
  expect(after.fullLoads).toBe(before.fullLoads);
  // Every one of the 200 commits reached b: taken in from the log or the announcements, or run by b
  // itself for a (a write a made while b still held the lock is handed to b: core/forwarding.ts).
  expect(after.caughtUp - before.caughtUp + (after.servedWrites - before.servedWrites)).toBeGreaterThanOrEqual(200);
});

const V1 = { version: 1, name: 'one', up: 'CREATE TABLE one(x INTEGER)' };
const V2 = { version: 2, name: 'two', up: 'CREATE TABLE two(y INTEGER)' };

test('three tabs opening with the same new migrations at once apply them exactly once', async ({ harness }) => {
  const pages = [harness, await harness.context().newPage(), await harness.context().newPage()];
  for (const p of pages.slice(1)) await gotoHarness(p);
  const versions = await Promise.all(
    pages.map((p) =>
      p.evaluate(async ({ V1, V2 }) => {
        const store = await window.pacioli.openStore({ name: 'mig', migrations: [V1, V2] });
        window.stores.mig = store;
        return store.schemaVersion();
      }, { V1, V2 }),
    ),
  );
  expect(versions).toEqual([2, 2, 2]);
  const rows = await harness.evaluate(() => window.stores.mig!.query('SELECT version FROM pacioli_migrations ORDER BY version'));
  expect(rows).toEqual([{ version: 1 }, { version: 2 }]);
});

test('a tab with older code gets SCHEMA_AHEAD on write and the event once a newer tab migrates', async ({ harness }) => {
  const [oldTab] = await tabs(harness, 1, 'skew', { migrations: [V1] });
  await oldTab!.evaluate(() => {
    window.calls = [];
    window.stores.skew!.on('schema-ahead', () => window.calls!.push(1));
  });
  const newTab = await harness.context().newPage();
  await gotoHarness(newTab);
  await newTab.evaluate(async ({ V1, V2 }) => void (await window.pacioli.openStore({ name: 'skew', migrations: [V1, V2] })), { V1, V2 });
  await expect.poll(() => oldTab!.evaluate(() => window.calls!.length), { timeout: 5000 }).toBe(1);
  const outcome = await oldTab!.evaluate(() => window.stores.skew!.run('INSERT INTO one VALUES (1)').then(() => 'ok', (e: { code?: string }) => e.code));
  expect(outcome).toBe('SCHEMA_AHEAD');
  expect(await oldTab!.evaluate(() => window.stores.skew!.query('SELECT count(*) AS n FROM one'))).toEqual([{ n: 0 }]);
});
