/**
 * Every failure reaches the page as a `StoreError` with its code, and every
 * call settles: a fold that fails, a raw DOMException from the Web Locks
 * API, a worker that dies mid-transaction or throws, arguments that cannot
 * cross the boundary. Faults are injected inside the worker (worker-faults.ts).
 */
import { expect, gotoHarness, test } from './fixtures';
import { injectIntoWorkers, switchWorkers } from './worker-faults';

/** A worker prelude whose faults the test switches on and off over the `e2e-faults` channel. */
function switchableFaults(): void {
  const on = new Set<string>();
  const channel = new BroadcastChannel('e2e-faults');
  channel.onmessage = (event: MessageEvent<{ fault: string; on?: boolean; crash?: boolean; ackId: string }>) => {
    if (event.data.crash) setTimeout(() => { throw new Error('injected: uncaught error in the worker'); });
    else if (event.data.on) on.add(event.data.fault);
    else on.delete(event.data.fault);
    channel.postMessage({ ack: event.data.ackId });
  };
  for (const method of ['put', 'add'] as const) {
    const original = IDBObjectStore.prototype[method];
    IDBObjectStore.prototype[method] = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      if (on.has('snapshot-writes') && this.name === 'snapshots') throw new DOMException('injected: quota exceeded', 'QuotaExceededError');
      return original.call(this, value, key);
    };
  }
  const locks = navigator.locks;
  const request = locks.request.bind(locks) as (...args: unknown[]) => Promise<unknown>;
  (locks as unknown as { request: unknown }).request = (...args: unknown[]) =>
    on.has('locks') ? Promise.reject(new DOMException('injected: lock manager failed', 'InvalidStateError')) : request(...args);
}

test.beforeEach(async ({ page }) => {
  await injectIntoWorkers(page, switchableFaults, null);
  await gotoHarness(page);
});

const fault = (page: import('@playwright/test').Page, name: string, on: boolean) => switchWorkers(page, { fault: name, on });

test('compact() rejects with a typed error when the fold cannot be written, and the log survives', async ({ page }) => {
  const outcome = await page.evaluate(async () => {
    const s = (window.stores.f = await window.pacioli.openStore({ name: 'f' }));
    await s.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    for (let i = 0; i < 5; i++) await s.run('INSERT INTO t (v) VALUES (?)', [`row ${i}`]);
    return (await s.stats()).logEntries;
  });
  expect(outcome).toBe(5);
  await fault(page, 'snapshot-writes', true);
  const failed = await page.evaluate(() => window.e2e.settle(window.stores.f!.compact()));
  expect(failed).toMatchObject({ ok: false, error: { code: 'QUOTA_EXCEEDED', isStoreError: true } });
  expect(await page.evaluate(async () => (await window.stores.f!.stats()).logEntries)).toBe(5);
  await page.evaluate(() => window.stores.f!.run(`INSERT INTO t (v) VALUES ('still writes')`));
  await fault(page, 'snapshot-writes', false);
  await page.evaluate(() => window.stores.f!.compact());
  await page.reload();
  await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
  const count = await page.evaluate(async () => (await (await window.pacioli.openStore({ name: 'f' })).query('SELECT count(*) AS n FROM t'))[0]);
  expect(count).toEqual({ n: 6 });
});

test('a failing Web Locks API surfaces as a StoreError, and the store writes again after', async ({ page }) => {
  await page.evaluate(async () => {
    const s = (window.stores.l = await window.pacioli.openStore({ name: 'l' }));
    await s.run('CREATE TABLE t (v TEXT)');
  });
  // Once the idle lease is let go, the next write must ask the browser for the lock.
  await expect
    .poll(() => page.evaluate(async () => ((await navigator.locks.query()).held ?? []).some((l) => l.name === 'pacioli:l:write')))
    .toBe(false);
  await fault(page, 'locks', true);
  const failed = await page.evaluate(() => window.e2e.settle(window.stores.l!.run(`INSERT INTO t VALUES ('x')`)));
  expect(failed).toMatchObject({ ok: false, error: { isStoreError: true, instanceOfStoreError: true } });
  await fault(page, 'locks', false);
  expect(await page.evaluate(() => window.e2e.settle(window.stores.l!.run(`INSERT INTO t VALUES ('y')`)))).toMatchObject({ ok: true });
  expect(await page.evaluate(() => window.stores.l!.query('SELECT v FROM t'))).toEqual([{ v: 'y' }]);
});

test('a transaction whose worker is terminated mid-way settles with its own error, and later calls with CLOSED', async ({ page }) => {
  const outcome = await page.evaluate(async () => {
    const s = (window.stores.w = await window.pacioli.openStore({ name: 'w' }));
    await s.run('CREATE TABLE t (v TEXT)');
    const tx = s.transaction(async (tx) => {
      await tx.run(`INSERT INTO t VALUES ('x')`);
      window.e2eWorkers![0]!.terminate();
      throw new Error('the app gave up');
    });
    const settled = tx.then(() => 'resolved', (e: Error) => `rejected: ${e.message}`);
    const first = await Promise.race([settled, window.e2e.sleep(8000).then(() => 'hung')]);
    const later = await Promise.race([window.e2e.settle(s.query('SELECT 1')), window.e2e.sleep(8000).then(() => 'hung')]);
    return { first, later };
  });
  expect(outcome.first).toBe('rejected: the app gave up');
  expect(outcome.later).toMatchObject({ ok: false, error: { code: 'CLOSED' } });
});

test('an uncaught error in the worker stops it, so it cannot sit on the write lock', async ({ page }) => {
  const other = await page.context().newPage(); // no faults in this tab
  await other.goto('/e2e/harness.html');
  await other.waitForSelector('body[data-ready="1"]', { state: 'attached' });
  await page.evaluate(async () => {
    const s = (window.stores.u = await window.pacioli.openStore({ name: 'u', txTimeoutMs: 60_000 }));
    await s.run('CREATE TABLE t (v TEXT)');
    // A transaction left open holds the write lock until its (long) timeout.
    void s.transaction(() => new Promise(() => undefined)).catch(() => undefined);
  });
  await other.evaluate(async () => void (window.stores.u = await window.pacioli.openStore({ name: 'u' })));
  await switchWorkers(page, { crash: true });
  const written = await other.evaluate(() =>
    Promise.race([window.e2e.settle(window.stores.u!.run(`INSERT INTO t VALUES ('other tab')`)), window.e2e.sleep(15_000).then(() => 'hung')]),
  );
  expect(written).toMatchObject({ ok: true });
  expect(await page.evaluate(() => window.e2e.settle(window.stores.u!.query('SELECT 1')))).toMatchObject({ ok: false, error: { code: 'CLOSED' } });
});

test('parameters that cannot cross to the worker are INVALID_ARGUMENT, not a raw DataCloneError', async ({ page }) => {
  const outcome = await page.evaluate(async () => {
    const s = await window.pacioli.openStore({ name: 'p' });
    return window.e2e.settle(s.query('SELECT ?', [(() => 1) as unknown as number]));
  });
  expect(outcome).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', isStoreError: true } });
});
