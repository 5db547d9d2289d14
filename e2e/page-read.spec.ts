/**
 * The page reads the stored state while the store's worker starts, and
 * hands it over (client/page-read.ts); the worker checks it as its own
 * read. These tests watch the worker's stage marks, which a worker started
 * under the name `pacioli-stages` sends on a BroadcastChannel.
 */
import type { Page } from '@playwright/test';
import { expect, reloadHarness, test } from './fixtures';

declare global {
  interface Window {
    marks?: string[];
  }
}

/**
 * Opens `name` in a fresh page load with a worker that sends its stage marks.
 * `fault`: the page's own IndexedDB opens throw (`open`), or its reads'
 * transaction aborts under them (`abort`), as a failing disk would.
 */
async function reopenWatching(page: Page, name: string, log: string, fault?: 'open' | 'abort'): Promise<{ marks: string[]; pageOpened: string[]; rows: number }> {
  await reloadHarness(page);
  return page.evaluate(
    async ({ name, log, fault }) => {
      const marks: string[] = [];
      const channel = new BroadcastChannel('pacioli-stages');
      channel.onmessage = (event: MessageEvent<[string, number][]>) => marks.push(...event.data.map(([mark]) => mark));
      const pageOpened: string[] = [];
      const open = IDBFactory.prototype.open;
      IDBFactory.prototype.open = function (this: IDBFactory, dbName: string, version?: number) {
        pageOpened.push(dbName);
        if (fault === 'open') throw new DOMException('refused by the test', 'UnknownError');
        return open.call(this, dbName, version);
      };
      const getAll = IDBObjectStore.prototype.getAll;
      IDBObjectStore.prototype.getAll = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['getAll']>) {
        const request = getAll.apply(this, args);
        if (fault === 'abort') this.transaction.abort();
        return request;
      };
      const worker = () => new Worker(new URL('/src/worker/store.worker.ts', location.origin), { type: 'module', name: 'pacioli-stages' });
      const store = await window.pacioli.openStore({ name, log: log as 'indexeddb' | 'opfs', worker });
      const rows = Number((await store.query<{ n: number }>('SELECT count(*) AS n FROM t'))[0]!.n);
      await new Promise((resolve) => setTimeout(resolve, 100)); // the last marks are on their way
      channel.close();
      IDBFactory.prototype.open = open;
      IDBObjectStore.prototype.getAll = getAll;
      await store.close();
      return { marks, pageOpened, rows };
    },
    { name, log, fault },
  );
}

/** A store holding a snapshot (after a fold) and log entries after it: 30 rows in all. */
async function seed(page: Page, name: string, log: string): Promise<void> {
  await page.evaluate(
    async ({ name, log }) => {
      const store = await window.pacioli.openStore({ name, log: log as 'indexeddb' | 'opfs', compactAfterBytes: 64 * 1024 * 1024 });
      await store.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
      for (let i = 0; i < 20; i++) await store.run('INSERT INTO t (v) VALUES (?)', [`before ${i}`]);
      await store.compact();
      for (let i = 0; i < 10; i++) await store.run('INSERT INTO t (v) VALUES (?)', [`after ${i}`]);
      const stats = await store.stats();
      if (stats.snapshotSeq === 0 || stats.logEntries !== 10) throw new Error(`unexpected seed: ${JSON.stringify(stats)}`);
      // Not close(): it might fold the log away, and these tests want entries after the snapshot.
    },
    { name, log },
  );
}

for (const log of ['indexeddb', 'opfs']) {
  test(`a reopened store (log: ${log}) opens from what the page read: the snapshot and the entries after it`, async ({ harness }) => {
    await seed(harness, `pr-${log}`, log);
    const { marks, pageOpened, rows } = await reopenWatching(harness, `pr-${log}`, log);
    expect(rows).toBe(30);
    expect(pageOpened).toEqual(expect.arrayContaining([`pacioli:pr-${log}`, `pacioli:pr-${log}:snapshots`]));
    expect(marks).toContain('open:state-from-page');
    expect(marks).not.toContain('open:state-not-from-page');
  });
}

for (const where of ['before', 'after'] as const) {
  test(`with a second image in the snapshots store (${where} the pointer's), the page hands over the one the pointer names`, async ({ harness }) => {
    const name = `pr-two-${where}`;
    await seed(harness, name, 'indexeddb');
    // A leftover (a fold cut short, or one whose old image was not deleted yet): not a database at all,
    // so a page that handed it over under the pointer's key would fail the open (its SHA-256 differs).
    await harness.evaluate(
      async ({ name, where }) => {
        const request = indexedDB.open(`pacioli:${name}:snapshots`);
        const db = await new Promise<IDBDatabase>((resolve, reject) => ((request.onsuccess = () => resolve(request.result)), (request.onerror = () => reject(request.error))));
        const tx = db.transaction('snapshots', 'readwrite');
        tx.objectStore('snapshots').put(new Uint8Array([1, 2, 3]), where === 'before' ? [0, 'leftover'] : [1e9, 'leftover']);
        await new Promise((resolve, reject) => ((tx.oncomplete = resolve), (tx.onabort = () => reject(tx.error))));
        db.close();
      },
      { name, where },
    );
    const { marks, rows } = await reopenWatching(harness, name, 'indexeddb');
    expect(rows).toBe(30);
    expect(marks).toContain('open:state-from-page');
  });
}

for (const fault of ['open', 'abort'] as const) {
  test(`when the page cannot read IndexedDB (${fault === 'open' ? 'it cannot open it' : 'its read is aborted'}), the worker reads the state itself`, async ({ harness }) => {
    await seed(harness, `pr-${fault}`, 'indexeddb');
    const { marks, pageOpened, rows } = await reopenWatching(harness, `pr-${fault}`, 'indexeddb', fault);
    expect(pageOpened).toContain(`pacioli:pr-${fault}`);
    expect(rows).toBe(30);
    expect(marks).toContain('open:state-not-from-page');
  });
}

test('the page creates no database for a store that does not exist yet; the worker does', async ({ harness }) => {
  const names = await harness.evaluate(async () => {
    const created: string[] = [];
    const store = await window.pacioli.openStore({ name: 'pr-new' });
    await store.run('CREATE TABLE t (x INTEGER)');
    await store.run('INSERT INTO t VALUES (1)');
    for (const db of await indexedDB.databases()) if (db.name?.startsWith('pacioli:pr-new')) created.push(`${db.name} v${db.version}`);
    await store.close();
    return created.sort();
  });
  expect(names).toEqual(['pacioli:pr-new v1', 'pacioli:pr-new:snapshots v1']);
  await reloadHarness(harness);
  const rows = await harness.evaluate(async () => {
    const store = await window.pacioli.openStore({ name: 'pr-new' });
    return (await store.query<{ x: number }>('SELECT x FROM t')).map((r) => r.x);
  });
  expect(rows).toEqual([1]);
});
