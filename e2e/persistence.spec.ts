/**
 * What a commit leaves behind survives a reload: rows, schema, and the exact
 * values non-deterministic SQL produced when it ran.
 */
import { Db, expect, gotoHarness, test } from './fixtures';

test('rows written by run and by a transaction survive a reload; a fresh origin starts empty', async ({
  db,
  browser,
  baseURL,
}) => {
  await db.open('books');
  await db.run('books', 'CREATE TABLE items (id INTEGER PRIMARY KEY, title TEXT NOT NULL, qty INTEGER)');
  const first = await db.run('books', 'INSERT INTO items (title, qty) VALUES (?, ?)', ['ledger', 3]);
  expect(first).toEqual({ changes: 1, lastInsertRowid: 1 });
  await db.run('books', 'INSERT INTO items (title, qty) VALUES (:title, :qty)', { title: 'journal', qty: 5 });

  const fromTx = await db.page.evaluate(async () => {
    const store = window.stores.books!;
    return store.transaction(async (tx) => {
      await tx.run('INSERT INTO items (title, qty) VALUES (?, ?)', ['quill', 7]);
      await tx.run('UPDATE items SET qty = qty + 1 WHERE title = ?', ['ledger']);
      const rows = await tx.query<{ n: number }>('SELECT count(*) AS n FROM items');
      return rows[0]!.n;
    });
  });
  expect(fromTx).toBe(3);

  const expected = [
    { id: 1, title: 'ledger', qty: 4 },
    { id: 2, title: 'journal', qty: 5 },
    { id: 3, title: 'quill', qty: 7 },
  ];
  expect(await db.query('books', 'SELECT * FROM items ORDER BY id')).toEqual(expected);

  await db.reload();
  await db.open('books');
  expect(await db.query('books', 'SELECT * FROM items ORDER BY id')).toEqual(expected);

  // Another BrowserContext is another origin storage: the same name opens empty.
  const context = await browser.newContext({ baseURL });
  try {
    const page = await context.newPage();
    await gotoHarness(page);
    const other = new Db(page);
    await other.open('books');
    expect(await other.query('books', "SELECT name FROM sqlite_master WHERE name = 'items'")).toEqual([]);
  } finally {
    await context.close();
  }
});

test('CREATE TABLE and ALTER TABLE persist as snapshots, plain inserts as log entries', async ({ db }) => {
  await db.open('schema');
  const before = await db.stats('schema');

  await db.run('schema', 'CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
  const afterCreate = await db.stats('schema');
  expect(afterCreate.snapshotCommits).toBeGreaterThanOrEqual(1);
  expect(afterCreate.snapshotCommits).toBeGreaterThan(before.snapshotCommits);

  for (const name of ['ada', 'grace', 'edsger']) {
    await db.run('schema', 'INSERT INTO people (name) VALUES (?)', [name]);
  }
  const afterInserts = await db.stats('schema');
  expect(afterInserts.logCommits).toBe(afterCreate.logCommits + 3);
  expect(afterInserts.snapshotCommits).toBe(afterCreate.snapshotCommits);
  expect(afterInserts.seq).toBeGreaterThan(afterCreate.seq);

  await db.run('schema', "ALTER TABLE people ADD COLUMN email TEXT DEFAULT 'none'");
  const afterAlter = await db.stats('schema');
  expect(afterAlter.snapshotCommits).toBeGreaterThan(afterInserts.snapshotCommits);
  await db.run('schema', 'UPDATE people SET email = ? WHERE name = ?', ['ada@example.org', 'ada']);

  await db.reload();
  await db.open('schema');
  const columns = await db.query<{ name: string }>('schema', 'SELECT name FROM pragma_table_info(?) ORDER BY cid', [
    'people',
  ]);
  expect(columns.map((c) => c.name)).toEqual(['id', 'name', 'email']);
  expect(await db.query('schema', 'SELECT name, email FROM people ORDER BY id')).toEqual([
    { name: 'ada', email: 'ada@example.org' },
    { name: 'grace', email: 'none' },
    { name: 'edsger', email: 'none' },
  ]);
});

test('non-deterministic values are persisted as committed, not re-evaluated', async ({ db }) => {
  await db.open('random');
  await db.run('random', 'CREATE TABLE r (id INTEGER PRIMARY KEY, b BLOB, n INTEGER, t TEXT)');
  await db.run('random', "INSERT INTO r (b, n, t) VALUES (randomblob(16), random(), datetime('now'))");
  await db.page.evaluate(() =>
    window.stores.random!.transaction(async (tx) => {
      await tx.run("INSERT INTO r (b, n, t) VALUES (randomblob(16), random(), strftime('%Y-%m-%d %H:%M:%f', 'now'))");
      await tx.run('INSERT INTO r (b, n, t) SELECT randomblob(16), random(), hex(randomblob(4)) FROM r');
    }),
  );

  const read = () => db.query('random', 'SELECT id, hex(b) AS b, CAST(n AS TEXT) AS n, t FROM r ORDER BY id');
  const committed = await read();
  expect(committed).toHaveLength(4);
  expect(new Set(committed.map((row) => row.b)).size).toBe(4);
  for (const row of committed) expect(row.b).toMatch(/^[0-9A-F]{32}$/);

  // Wait so that datetime('now') would differ if it were evaluated again.
  await db.page.waitForTimeout(1100);
  await db.reload();
  await db.open('random');
  expect(await read()).toEqual(committed);

  // Folding the log into a snapshot keeps them too.
  await db.compact('random');
  await db.reload();
  await db.open('random');
  expect(await read()).toEqual(committed);
});

test('foreign keys stay enforced after compact and reload', async ({ db }) => {
  await db.open('fk');
  expect(await db.query('fk', 'PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
  await db.run(
    'fk',
    `CREATE TABLE account (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
     CREATE TABLE entry (id INTEGER PRIMARY KEY, account INTEGER NOT NULL REFERENCES account(id), amount INTEGER)`,
  );
  await db.run('fk', "INSERT INTO account (id, name) VALUES (1, 'cash')");
  await db.run('fk', 'INSERT INTO entry (account, amount) VALUES (1, 100)');

  const orphan = 'INSERT INTO entry (account, amount) VALUES (42, 1)';
  const before = await db.fail('fk', 'run', orphan);
  expect(before.code).toBe('CONSTRAINT');
  expect(before.message).toContain('FOREIGN KEY constraint failed');

  await db.compact('fk');
  const stats = await db.stats('fk');
  expect(stats.compactions).toBeGreaterThanOrEqual(1);
  expect(stats.logEntries).toBe(0);

  await db.reload();
  await db.open('fk');
  expect(await db.query('fk', 'PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
  const after = await db.fail('fk', 'run', orphan);
  expect(after.code).toBe('CONSTRAINT');
  expect(after.message).toContain('FOREIGN KEY constraint failed');
  expect(await db.fail('fk', 'run', 'DELETE FROM account WHERE id = 1')).toMatchObject({ code: 'CONSTRAINT' });
  expect(await db.query('fk', 'SELECT account, amount FROM entry')).toEqual([{ account: 1, amount: 100 }]);
});
