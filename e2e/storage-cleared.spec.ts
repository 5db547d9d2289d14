/**
 * The origin's IndexedDB wiped under a running store (the user clearing site
 * data): the store notices, its next commit writes the whole in-memory
 * database again, and nothing committed before or after the wipe is lost.
 */
import { expect, test } from './fixtures';

test('a commit after the origin’s IndexedDB was cleared rewrites every row', async ({ db, context, browserName, baseURL }) => {
  test.skip(browserName === 'firefox', 'clearing one origin’s IndexedDB under a live page needs the Chrome DevTools Protocol');
  await db.open('wiped');
  await db.run('wiped', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL, n INTEGER NOT NULL)');
  await db.run('wiped', "INSERT INTO t (v, n) VALUES ('one', 1), ('two', 2)");
  await db.run('wiped', "INSERT INTO t (v, n) VALUES ('big', ?)", [2n ** 62n + 1n]);
  const before = await db.stats('wiped');

  const origin = new URL(baseURL ?? 'http://localhost:4173').origin;
  const cdp = await context.newCDPSession(db.page);
  await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'indexeddb' });
  await cdp.detach();
  // The store's databases are gone from the origin.
  const names = await db.page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
  expect(names.filter((n) => n.startsWith('pacioli:wiped'))).toEqual([]);

  // The next write succeeds, and is persisted as a whole snapshot.
  await db.run('wiped', "INSERT INTO t (v, n) VALUES ('after', 3)");
  const after = await db.stats('wiped');
  expect(after.snapshotCommits).toBe(before.snapshotCommits + 1);
  // Then back to plain log entries.
  await db.run('wiped', "INSERT INTO t (v, n) VALUES ('later', 4)");
  expect((await db.stats('wiped')).logCommits).toBe(after.logCommits + 1);

  const rows = [
    { id: 1, v: 'one', n: 1 },
    { id: 2, v: 'two', n: 2 },
    { id: 3, v: 'big', n: 2n ** 62n + 1n },
    { id: 4, v: 'after', n: 3 },
    { id: 5, v: 'later', n: 4 },
  ];
  expect(await db.query('wiped', 'SELECT * FROM t ORDER BY id')).toEqual(rows);

  await db.reload();
  await db.open('wiped');
  expect(await db.query('wiped', 'SELECT * FROM t ORDER BY id')).toEqual(rows);
});
