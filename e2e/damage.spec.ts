/**
 * When storage goes wrong: a damaged persisted state is reported as CORRUPT
 * (never silently loaded), and a refused write (quota) is reported as
 * QUOTA_EXCEEDED and undone in memory too.
 *
 * Persisted layout the tamper tests rely on:
 * - database `pacioli:<name>`, object store `log`: key 'meta' →
 *   `{ format, snapshotSeq, snapshotBytes, snapshotSha256 }`; numeric keys →
 *   log entries (`Uint8Array`), obsolete when ≤ snapshotSeq;
 * - database `pacioli:<name>:snapshots`, object store `snapshots`: key
 *   snapshotKey ([seq, nonce]) → SQLite file image (`Uint8Array`).
 */
import { Db, expect, gotoHarness, test } from './fixtures';

/** Writes a table (a snapshot commit) and then three rows as three log commits, then closes. */
async function threeLogEntries(db: Db, name: string): Promise<void> {
  await db.open(name);
  await db.run(name, 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  for (const v of ['one', 'two', 'three']) await db.run(name, 'INSERT INTO t (v) VALUES (?)', [v]);
  const stats = await db.stats(name);
  expect(stats.logEntries).toBeGreaterThanOrEqual(3);
  await db.close(name);
}

/** The numeric keys of log entries newer than the snapshot, ascending. */
function liveLogKeys(db: Db, name: string): Promise<number[]> {
  return db.page.evaluate(async (name) => {
    const dbName = `pacioli:${name}`;
    const meta = (await window.e2e.idb.get(dbName, 'log', 'meta')) as { snapshotSeq?: number } | undefined;
    const after = meta?.snapshotSeq ?? 0;
    const keys = await window.e2e.idb.keys(dbName, 'log');
    return keys.filter((k): k is number => typeof k === 'number' && k > after).sort((a, b) => a - b);
  }, name);
}

test('a flipped byte in the newest log entry makes opening fail with CORRUPT', async ({ db }) => {
  await threeLogEntries(db, 'flip');
  const keys = await liveLogKeys(db, 'flip');
  expect(keys.length).toBeGreaterThanOrEqual(3);
  const newest = keys[keys.length - 1]!;

  const flipped = await db.page.evaluate(async (key) => {
    const entry = await window.e2e.idb.get('pacioli:flip', 'log', key);
    if (!(entry instanceof Uint8Array)) return `log entry ${key} is ${Object.prototype.toString.call(entry)}`;
    const copy = new Uint8Array(entry);
    copy[copy.length >> 1] ^= 0x40;
    await window.e2e.idb.put('pacioli:flip', 'log', key, copy);
    return `flipped byte ${copy.length >> 1} of ${copy.length}`;
  }, newest);
  expect(flipped).toMatch(/^flipped/);

  const outcome = await db.tryOpen('flip');
  expect(outcome).toMatchObject({ ok: false, error: { name: 'StoreError', code: 'CORRUPT' } });
  if (!outcome.ok) {
    expect(outcome.error.message).toMatch(/log/i);
    expect(outcome.error.message).toContain(String(newest));
  }
});

test('a truncated snapshot makes opening fail with CORRUPT', async ({ db }) => {
  await db.open('trunc');
  await db.run('trunc', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  for (let i = 0; i < 20; i++) await db.run('trunc', 'INSERT INTO t (v) VALUES (?)', [`row ${i}`.repeat(50)]);
  await db.compact('trunc');
  const stats = await db.stats('trunc');
  expect(stats.snapshotSeq).toBe(stats.seq);
  await db.close('trunc');

  const truncated = await db.page.evaluate(async () => {
    const meta = (await window.e2e.idb.get('pacioli:trunc', 'log', 'meta')) as { snapshotKey: IDBValidKey } | undefined;
    if (!meta) return 'no meta record';
    const image = await window.e2e.idb.get('pacioli:trunc:snapshots', 'snapshots', meta.snapshotKey);
    if (!(image instanceof Uint8Array)) return `snapshot is ${Object.prototype.toString.call(image)}`;
    await window.e2e.idb.put('pacioli:trunc:snapshots', 'snapshots', meta.snapshotKey, image.slice(0, image.length >> 1));
    return `truncated ${image.length} to ${image.length >> 1}`;
  });
  expect(truncated).toMatch(/^truncated/);

  const outcome = await db.tryOpen('trunc');
  expect(outcome).toMatchObject({ ok: false, error: { name: 'StoreError', code: 'CORRUPT' } });
  if (!outcome.ok) expect(outcome.error.message).toMatch(/snapshot/i);
});

test('a log entry missing in the middle makes opening fail with CORRUPT', async ({ db }) => {
  await threeLogEntries(db, 'gap');
  const keys = await liveLogKeys(db, 'gap');
  expect(keys.length).toBeGreaterThanOrEqual(3);
  const middle = keys[keys.length >> 1]!;
  await db.page.evaluate((key) => window.e2e.idb.delete('pacioli:gap', 'log', key), middle);
  expect(await liveLogKeys(db, 'gap')).not.toContain(middle);

  const outcome = await db.tryOpen('gap');
  expect(outcome).toMatchObject({ ok: false, error: { name: 'StoreError', code: 'CORRUPT' } });
});

test('an untouched store reopens fine after close (control for the tamper tests)', async ({ db }) => {
  await threeLogEntries(db, 'intact');
  await db.open('intact');
  expect(await db.query('intact', 'SELECT v FROM t ORDER BY id')).toEqual([{ v: 'one' }, { v: 'two' }, { v: 'three' }]);
});

test.describe('at a small quota', () => {
  // Under a fully loaded machine Chromium was seen to keep refusing the small write after the refused
  // large ones for longer than the poll below (never when the test runs alone): a retry starts a fresh context.
  test.describe.configure({ retries: 2 });

  test('a write beyond the origin quota rejects with QUOTA_EXCEEDED and is undone', async ({
    page,
    context,
    browserName,
    baseURL,
  }) => {
    test.skip(browserName === 'firefox', 'Firefox offers no way to force a small storage quota for one origin');
    test.setTimeout(120_000); // the write after the refused ones may wait for Chromium to reclaim their space
    // Shrink the quota before the origin touches its storage.
    await page.goto('about:blank');
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', {
      origin: new URL(baseURL ?? 'http://localhost:4173').origin,
      quotaSize: 3 * 1024 * 1024,
    });
    await gotoHarness(page);
    const db = new Db(page);

    await db.open('quota');
    await db.run('quota', 'CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)');
    await db.run('quota', 'INSERT INTO t (b) VALUES (randomblob(100))');
    const contents = () => db.query('quota', 'SELECT id, length(b) AS n FROM t ORDER BY id');
    const before = [{ id: 1, n: 100 }];
    expect(await contents()).toEqual(before);

    const big = await db.fail('quota', 'run', 'INSERT INTO t (b) VALUES (randomblob(8 * 1024 * 1024))');
    expect(big).toMatchObject({ name: 'StoreError', code: 'QUOTA_EXCEEDED' });
    expect(await contents()).toEqual(before);

    const inTx = await page.evaluate(() =>
      window.e2e.settle(
        window.stores.quota!.transaction(async (tx) => {
          for (let i = 0; i < 5; i++) await tx.run('INSERT INTO t (b) VALUES (randomblob(1024 * 1024))');
        }),
      ),
    );
    expect(inTx).toMatchObject({ ok: false, error: { code: 'QUOTA_EXCEEDED' } });
    expect(await contents()).toEqual(before);

    // Still usable: a small write goes through. Chromium frees the space of an aborted transaction's large
    // values in the background, so under load the next write may still meet the quota for a moment: each
    // such attempt must fail cleanly (typed, nothing changed) until one succeeds.
    await expect
      .poll(
        async () => {
          const outcome = await db.attempt('quota', 'run', 'INSERT INTO t (b) VALUES (randomblob(10))');
          if (outcome.ok) return 'written';
          expect(outcome.error).toMatchObject({ code: 'QUOTA_EXCEEDED' });
          expect(await contents()).toEqual(before);
          return 'refused';
        },
        { timeout: 45_000, intervals: [200, 500, 1000, 2000] },
      )
      .toBe('written');
    const after = [...before, { id: 2, n: 10 }];
    expect(await contents()).toEqual(after);

    await db.reload();
    await db.open('quota');
    expect(await contents()).toEqual(after);
  });
});
