/**
 * The round a failed log append must survive, whichever log the store
 * keeps (group-commit.spec.ts for IndexedDB, opfs-log.spec.ts for OPFS).
 * The test has injected a fault into the store's worker that the
 * `e2e-faults` channel switches on and off (worker-faults.ts).
 */
import type { Page } from '@playwright/test';
import { expect, gotoHarness } from './fixtures';
import type { OpenOptions } from './types';
import { switchWorkers } from './worker-faults';

/**
 * Opens store `name` with `options` and one committed row; with the fault
 * on, 12 writes and 6 reads interleaved: every write fails `PERSIST_FAILED`,
 * every read sees only the committed row. Healed, the store writes again,
 * and a reload shows exactly the writes that succeeded.
 */
export async function failedBatchRound(page: Page, name: string, options: OpenOptions = {}): Promise<void> {
  await gotoHarness(page);
  await page.evaluate(async ({ name, options }) => {
    const store = (window.stores[name] = await window.pacioli.openStore({ ...options, name }));
    await store.run('CREATE TABLE t (v INTEGER NOT NULL)');
    await store.run('INSERT INTO t VALUES (0)');
  }, { name, options });
  await switchWorkers(page, { fail: true });
  const outcome = await page.evaluate(async (name) => {
    const store = window.stores[name]!;
    // Writes and reads interleaved: every read must show only rows whose write succeeded.
    const writes = Array.from({ length: 12 }, (_, i) => window.e2e.settle(store.run('INSERT INTO t VALUES (?)', [i + 1])));
    const reads = Array.from({ length: 6 }, () => store.query<{ v: number }>('SELECT v FROM t ORDER BY v'));
    return { writes: await Promise.all(writes), reads: await Promise.all(reads) };
  }, name);
  for (const w of outcome.writes) expect(w).toMatchObject({ ok: false, error: { code: 'PERSIST_FAILED', isStoreError: true } });
  for (const rows of outcome.reads) expect(rows).toEqual([{ v: 0 }]);
  await switchWorkers(page, { fail: false });
  expect(await page.evaluate((name) => window.e2e.settle(window.stores[name]!.run('INSERT INTO t VALUES (100)')), name)).toMatchObject({ ok: true });
  expect(await page.evaluate((name) => window.stores[name]!.query('SELECT v FROM t ORDER BY v'), name)).toEqual([{ v: 0 }, { v: 100 }]);
  await page.reload();
  await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
  expect(await page.evaluate(async (name) => (await window.pacioli.openStore({ name })).query('SELECT v FROM t ORDER BY v'), name)).toEqual([{ v: 0 }, { v: 100 }]);
}
