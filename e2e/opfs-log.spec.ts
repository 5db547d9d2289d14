/**
 * `log: 'opfs'`: commits go to a log file in the Origin Private File System
 * (src/worker/opfs/log-file.ts), snapshots stay in IndexedDB. What a store
 * promises does not change: commits survive a reload, tabs never lose or
 * double a write (whatever each asked for), folds free the old log, a torn
 * last append is cut off, and deleteStore leaves nothing behind.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { failedBatchRound } from './failed-batch';
import { injectIntoWorkers } from './worker-faults';

/** The store's OPFS log segments: name and size, oldest first. */
function segments(page: Page): Promise<{ name: string; size: number }[]> {
  return page.evaluate(async () => {
    type Dir = FileSystemDirectoryHandle & { entries(): AsyncIterable<[string, FileSystemHandle]> };
    const root = await navigator.storage.getDirectory();
    let top: Dir;
    try {
      top = (await root.getDirectoryHandle('pacioli-log')) as Dir;
    } catch {
      return [];
    }
    const found: { name: string; size: number }[] = [];
    for await (const [, dir] of top.entries()) {
      for await (const [name, file] of (dir as Dir).entries()) found.push({ name, size: (await (file as FileSystemFileHandle).getFile()).size });
    }
    return found.sort((a, b) => Number(a.name.slice(4)) - Number(b.name.slice(4)));
  });
}

/** Log entries the store keeps in IndexedDB (numbered keys of its log database). */
function idbEntries(page: Page, name: string): Promise<number> {
  return page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(`pacioli:${name}`);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    try {
      const count = db.transaction('log').objectStore('log').count(IDBKeyRange.bound(0, Infinity));
      return await new Promise<number>((resolve) => (count.onsuccess = () => resolve(count.result)));
    } finally {
      db.close();
    }
  }, name);
}

test('commits go to the OPFS log and survive a reload; a tab that did not ask for it appends there too', async ({ db }) => {
  await db.open('opfs', { log: 'opfs' });
  await db.run('opfs', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  for (let i = 1; i <= 40; i++) await db.run('opfs', 'INSERT INTO t (v) VALUES (?)', [`row ${i}`]);
  await db.page.evaluate(() =>
    window.stores.opfs!.transaction(async (tx) => {
      await tx.run("INSERT INTO t (v) VALUES ('from a transaction')");
      await tx.run("UPDATE t SET v = 'changed' WHERE id = 1");
    }),
  );
  const stats = await db.stats('opfs');
  expect(stats.logCommits).toBeGreaterThanOrEqual(41);
  expect(await idbEntries(db.page, 'opfs')).toBe(0);
  const files = await segments(db.page);
  expect(files.length).toBeGreaterThanOrEqual(1);
  expect(files.reduce((n, f) => n + f.size, 0)).toBeGreaterThan(41 * 16);

  await db.reload();
  await db.open('opfs', { log: 'indexeddb' }); // the store's log is in OPFS now: this tab reads and appends there
  expect(await db.query('opfs', 'SELECT count(*) AS n, min(v) AS first FROM t')).toEqual([{ n: 41, first: 'changed' }]);
  await db.run('opfs', "INSERT INTO t (v) VALUES ('after the reload')");
  expect(await idbEntries(db.page, 'opfs')).toBe(0);
  await db.reload();
  await db.open('opfs');
  expect(await db.query('opfs', 'SELECT count(*) AS n FROM t')).toEqual([{ n: 42 }]);
});

test('concurrent callers share OPFS appends (group commit), and every write survives a reload', async ({ db }) => {
  await db.open('group', { log: 'opfs' });
  await db.run('group', 'CREATE TABLE t (caller INTEGER NOT NULL, i INTEGER NOT NULL)');
  const before = await db.stats('group');
  await db.page.evaluate(async () => {
    const store = window.stores.group!;
    await Promise.all(Array.from({ length: 10 }, async (_, caller) => {
      for (let i = 0; i < 20; i++) await store.run('INSERT INTO t VALUES (?, ?)', [caller, i]);
    }));
  });
  const after = await db.stats('group');
  expect(after.logCommits - before.logCommits).toBe(200);
  expect(after.logWrites - before.logWrites).toBeLessThan(150); // batched: far fewer appends than commits
  await db.reload();
  await db.open('group');
  expect(await db.query('group', 'SELECT count(*) AS n, count(DISTINCT caller) AS callers FROM t')).toEqual([{ n: 200, callers: 10 }]);
});

test('two tabs, one asking for the OPFS log and one not, lose and double no increment', async ({ db, context }) => {
  await db.open('shared', { log: 'opfs' });
  await db.run('shared', 'CREATE TABLE c (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
  await db.run('shared', 'INSERT INTO c VALUES (1, 0)');
  const other = await context.newPage();
  await other.goto('/e2e/harness.html');
  await other.waitForSelector('body[data-ready="1"]', { state: 'attached' });
  const increments = (page: Page, log: 'opfs' | 'indexeddb') =>
    page.evaluate(async (log) => {
      const store = window.stores.shared ?? (window.stores.shared = await window.pacioli.openStore({ name: 'shared', log }));
      for (let i = 0; i < 100; i++) {
        await store.transaction(async (tx) => {
          const [row] = await tx.query<{ n: number }>('SELECT n FROM c WHERE id = 1');
          await tx.run('UPDATE c SET n = ? WHERE id = 1', [row!.n + 1]);
        });
        if (i % 2) await store.run('UPDATE c SET n = n + 1 WHERE id = 1');
      }
    }, log);
  await Promise.all([increments(db.page, 'opfs'), increments(other, 'indexeddb')]);
  // A transaction catches up before it reads, so each tab must show every increment at once. A plain
  // read shows another tab's commits once they are announced (README, "Plain reads"): under load that
  // can come after this line, so it is polled.
  const inTx = (page: Page) => page.evaluate(() => window.stores.shared!.transaction((tx) => tx.query<{ n: number }>('SELECT n FROM c')));
  const plain = (page: Page) => page.evaluate(() => window.stores.shared!.query<{ n: number }>('SELECT n FROM c'));
  expect(await inTx(db.page)).toEqual([{ n: 300 }]);
  await expect.poll(() => plain(other)).toEqual([{ n: 300 }]);
  expect(await inTx(other)).toEqual([{ n: 300 }]);
  expect(await plain(db.page)).toEqual([{ n: 300 }]); // the transaction above brought this tab's copy up to date
  expect(await idbEntries(db.page, 'shared')).toBe(0);
  await other.close();
  await db.reload();
  await db.open('shared');
  expect(await db.query('shared', 'SELECT n FROM c')).toEqual([{ n: 300 }]);
});

test('folds start new segments and delete the folded ones; the store reloads the same', async ({ db }) => {
  await db.open('folding', { log: 'opfs', compactAfterBytes: 4096 });
  await db.run('folding', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  for (let i = 1; i <= 300; i++) await db.run('folding', 'INSERT INTO t (v) VALUES (?)', [`value number ${i} `.repeat(4)]);
  await db.compact('folding');
  await db.run('folding', "INSERT INTO t (v) VALUES ('last')");
  const stats = await db.stats('folding');
  expect(stats.compactions).toBeGreaterThanOrEqual(3);
  await expect.poll(async () => (await segments(db.page)).length).toBeLessThanOrEqual(2);
  expect(Number((await segments(db.page))[0]!.name.slice(4))).toBeGreaterThan(250); // the early segments are gone
  const expected = await db.query('folding', 'SELECT count(*) AS n, sum(length(v)) AS bytes FROM t');
  expect(expected[0]).toMatchObject({ n: 301 });
  await db.reload();
  await db.open('folding', { log: 'opfs', compactAfterBytes: 4096 });
  expect(await db.query('folding', 'SELECT count(*) AS n, sum(length(v)) AS bytes FROM t')).toEqual(expected);
});

test('a torn last append (a crash mid-write) is cut off; the commits before it stay and the store writes on', async ({ db }) => {
  await db.open('torn', { log: 'opfs' });
  await db.run('torn', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  for (let i = 1; i <= 10; i++) await db.run('torn', 'INSERT INTO t (v) VALUES (?)', [`row ${i}`]);
  await db.close('torn');
  const before = await segments(db.page);
  const last = before.at(-1)!;
  // What a crash leaves: a record header promising more bytes than were written, then a few of them.
  await db.page.evaluate(async (name) => {
    type Dir = FileSystemDirectoryHandle & { entries(): AsyncIterable<[string, FileSystemHandle]> };
    const top = (await (await navigator.storage.getDirectory()).getDirectoryHandle('pacioli-log')) as Dir;
    for await (const [, dir] of top.entries()) {
      const file = await (dir as FileSystemDirectoryHandle).getFileHandle(name);
      const size = (await file.getFile()).size;
      const writable = await file.createWritable({ keepExistingData: true });
      const torn = new Uint8Array(4000);
      new DataView(torn.buffer).setUint32(0, 200, true);
      crypto.getRandomValues(torn.subarray(4));
      await writable.write({ type: 'write', position: size, data: torn });
      await writable.close();
    }
  }, last.name);
  expect((await segments(db.page)).at(-1)!.size).toBe(last.size + 4000);

  await db.reload();
  await db.open('torn', { log: 'opfs' });
  expect(await db.query('torn', 'SELECT count(*) AS n FROM t')).toEqual([{ n: 10 }]);
  await db.run('torn', "INSERT INTO t (v) VALUES ('after the crash')");
  await db.reload();
  await db.open('torn', { log: 'opfs' });
  expect(await db.query('torn', 'SELECT count(*) AS n, max(v) AS v FROM t WHERE id = 11')).toEqual([{ n: 1, v: 'after the crash' }]);
  expect(await db.query('torn', 'SELECT count(*) AS n FROM t')).toEqual([{ n: 11 }]);
  const [after] = await segments(db.page);
  expect(after!.size).toBeGreaterThan(last.size);
  expect(after!.size).toBeLessThan(last.size + 1000); // the torn bytes were cut off, not left behind the new record
});

test('a crash that left an empty segment, then a snapshot commit: the commits after it are kept, in a segment of their own', async ({ db }) => {
  await db.open('empty', { log: 'opfs' });
  await db.run('empty', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  for (let i = 1; i <= 5; i++) await db.run('empty', 'INSERT INTO t (v) VALUES (?)', [`row ${i}`]);
  const { seq } = await db.stats('empty');
  await db.close('empty');
  // What a kill between making the next segment and writing to it leaves: an empty file named for commit seq + 1.
  await db.page.evaluate(async (name) => {
    type Dir = FileSystemDirectoryHandle & { entries(): AsyncIterable<[string, FileSystemHandle]> };
    const top = (await (await navigator.storage.getDirectory()).getDirectoryHandle('pacioli-log')) as Dir;
    for await (const [, dir] of top.entries()) await (dir as FileSystemDirectoryHandle).getFileHandle(name, { create: true });
  }, `seg-${seq + 1}`);
  await db.reload();
  await db.open('empty', { log: 'opfs' });
  await db.run('empty', 'CREATE TABLE u (id INTEGER PRIMARY KEY)'); // a snapshot commit: it takes commit seq + 1
  for (let i = 6; i <= 8; i++) await db.run('empty', 'INSERT INTO t (v) VALUES (?)', [`row ${i}`]);
  await db.reload();
  await db.open('empty', { log: 'opfs' });
  expect(await db.query('empty', 'SELECT count(*) AS n, max(v) AS last FROM t')).toEqual([{ n: 8, last: 'row 8' }]);
});

test('a changed byte in a record before the last makes opening fail with CORRUPT, never drops the commits after it', async ({ db }) => {
  await db.open('rot', { log: 'opfs' });
  await db.run('rot', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  for (let i = 1; i <= 10; i++) await db.run('rot', 'INSERT INTO t (v) VALUES (?)', [`row ${i}`]);
  await db.close('rot');
  const name = (await segments(db.page)).at(-1)!.name;
  // Flip one byte inside the entry of the third record: length and header stay valid, the CRC does not.
  await db.page.evaluate(async (name) => {
    type Dir = FileSystemDirectoryHandle & { entries(): AsyncIterable<[string, FileSystemHandle]> };
    const top = (await (await navigator.storage.getDirectory()).getDirectoryHandle('pacioli-log')) as Dir;
    for await (const [, dir] of top.entries()) {
      const file = await (dir as FileSystemDirectoryHandle).getFileHandle(name);
      const bytes = new Uint8Array(await (await file.getFile()).arrayBuffer());
      const view = new DataView(bytes.buffer);
      let at = 0;
      for (let i = 0; i < 2; i++) at += 16 + view.getUint32(at, true);
      bytes[at + 16 + 3]! ^= 0x40;
      const writable = await file.createWritable();
      await writable.write(bytes);
      await writable.close();
    }
  }, name);
  await db.reload();
  const outcome = await db.tryOpen('rot', { log: 'opfs' });
  expect(outcome.ok).toBe(false);
  if (!outcome.ok) {
    expect(outcome.error.code).toBe('CORRUPT');
    expect(outcome.error.message).toMatch(/OPFS log segment/);
  }
});

test('deleteStore removes the OPFS log too: the name then opens new and empty', async ({ db }) => {
  await db.open('gone', { log: 'opfs' });
  await db.run('gone', 'CREATE TABLE t (id INTEGER PRIMARY KEY)');
  await db.run('gone', 'INSERT INTO t DEFAULT VALUES');
  await db.close('gone');
  expect((await segments(db.page)).length).toBeGreaterThan(0);
  await db.page.evaluate(() => window.pacioli.deleteStore('gone'));
  expect(await segments(db.page)).toEqual([]);
  await db.open('gone', { log: 'opfs' });
  expect(await db.query('gone', "SELECT name FROM sqlite_master WHERE name = 't'")).toEqual([]);
});

test('a failed flush fails its writes and those on top of it; nothing of them stays, in memory or on disk', async ({ page }) => {
  // While the fault is on, every flush of an OPFS access handle fails (an I/O error, as a dying disk would give).
  await injectIntoWorkers(
    page,
    () => {
      let on = false;
      const channel = new BroadcastChannel('e2e-faults');
      channel.onmessage = (event: MessageEvent<{ fail?: boolean; ackId: string }>) => {
        on = event.data.fail === true;
        channel.postMessage({ ack: event.data.ackId });
      };
      type Flushing = { prototype: { flush(): void } };
      const handle = (self as unknown as { FileSystemSyncAccessHandle: Flushing }).FileSystemSyncAccessHandle;
      const flush = handle.prototype.flush;
      handle.prototype.flush = function (this: unknown) {
        if (on) throw new DOMException('injected: disk I/O error', 'InvalidStateError');
        return flush.call(this);
      };
    },
    null,
  );
  await failedBatchRound(page, 'f', { log: 'opfs' });
});

test('log must be indexeddb or opfs', async ({ db }) => {
  const outcome = await db.tryOpen('bad', { log: 'disk' as 'opfs' });
  expect(outcome.ok).toBe(false);
  if (!outcome.ok) expect(outcome.error.code).toBe('INVALID_ARGUMENT');
});
