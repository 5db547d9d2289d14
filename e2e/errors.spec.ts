/**
 * Failures reach the page as `StoreError`s with stable codes, leave no trace
 * in the data, and leave the store usable.
 */
import { expect, test } from './fixtures';

const SCHEMA = `
  CREATE TABLE parent (id INTEGER PRIMARY KEY);
  CREATE TABLE item (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    qty INTEGER NOT NULL CHECK (qty >= 0),
    parent INTEGER REFERENCES parent(id)
  );
  INSERT INTO parent (id) VALUES (1);
  INSERT INTO item (code, qty, parent) VALUES ('a', 1, 1), ('b', 2, NULL);
`;

const VIOLATIONS: [string, string, unknown[]][] = [
  ['UNIQUE constraint failed', 'INSERT INTO item (code, qty) VALUES (?, ?)', ['a', 5]],
  ['NOT NULL constraint failed', 'INSERT INTO item (code, qty) VALUES (?, ?)', [null, 5]],
  ['CHECK constraint failed', 'UPDATE item SET qty = ? WHERE code = ?', [-1, 'b']],
  ['FOREIGN KEY constraint failed', 'INSERT INTO item (code, qty, parent) VALUES (?, ?, ?)', ['c', 1, 99]],
  // A multi-row statement that fails half-way must not keep its first row.
  ['UNIQUE constraint failed', 'INSERT INTO item (code, qty) VALUES (?, ?), (?, ?)', ['new', 1, 'b', 1]],
];

test('constraint violations reject with CONSTRAINT and change nothing', async ({ db }) => {
  await db.open('c');
  await db.run('c', SCHEMA);
  const snapshot = () => db.query('c', 'SELECT * FROM item ORDER BY id');
  const before = await snapshot();
  expect(before).toHaveLength(2);
  const statsBefore = await db.stats('c');

  for (const [text, sql, params] of VIOLATIONS) {
    const error = await db.fail('c', 'run', sql, params);
    expect(error, sql).toMatchObject({ name: 'StoreError', code: 'CONSTRAINT', instanceOfStoreError: true });
    expect(error.message, sql).toContain(text);
    expect(await snapshot(), sql).toEqual(before);
  }
  // Nothing was persisted for the failed statements.
  expect((await db.stats('c')).seq).toBe(statsBefore.seq);

  await db.reload();
  await db.open('c');
  expect(await snapshot()).toEqual(before);
});

test('errors survive the worker boundary as real StoreErrors', async ({ db }) => {
  await db.open('e');
  const outcome = await db.page.evaluate(async () => {
    const { StoreError, isStoreError } = window.pacioli;
    try {
      await window.stores.e!.query('SELECT * FROM no_such_table');
      return null;
    } catch (error) {
      return {
        instanceOf: error instanceof StoreError,
        instanceOfError: error instanceof Error,
        isStoreError: isStoreError(error),
        isSqlError: isStoreError(error, 'SQL_ERROR'),
        isConstraint: isStoreError(error, 'CONSTRAINT'),
        name: (error as Error).name,
        code: (error as { code?: unknown }).code,
        message: (error as Error).message,
        hasStack: typeof (error as Error).stack === 'string',
      };
    }
  });
  expect(outcome).toMatchObject({
    instanceOf: true,
    instanceOfError: true,
    isStoreError: true,
    isSqlError: true,
    isConstraint: false,
    name: 'StoreError',
    code: 'SQL_ERROR',
  });
  expect(outcome!.message).toContain('no such table');
});

test('3000 failing statements leave nothing behind', async ({ db }) => {
  test.setTimeout(120_000);
  await db.open('loop');
  await db.run('loop', 'CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT UNIQUE)');
  await db.run('loop', "INSERT INTO t (code) VALUES ('taken')");

  const outcome = await db.page.evaluate(async () => {
    const store = window.stores.loop!;
    const codes: Record<string, number> = {};
    const wrong: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const syntax = i % 2 === 0;
      try {
        if (syntax) await store.query('SELEC code FROM t WHERE id = ?', [i]);
        else await store.run('INSERT INTO t (code) VALUES (?)', ['taken']);
        wrong.push(`${i}: resolved`);
      } catch (error) {
        const code = String((error as { code?: unknown }).code);
        codes[code] = (codes[code] ?? 0) + 1;
        const want = syntax ? 'SQL_ERROR' : 'CONSTRAINT';
        if (code !== want && wrong.length < 5) wrong.push(`${i}: ${code} ${(error as Error).message}`);
      }
    }
    await store.transaction(async (tx) => {
      await tx.run("INSERT INTO t (code) VALUES ('tx1')");
      await tx.run("INSERT INTO t (code) VALUES ('tx2')");
    });
    await store.run("INSERT INTO t (code) VALUES ('plain')");
    const [row] = await store.query<{ n: number }>('SELECT count(*) AS n FROM t');
    return { codes, wrong, count: row!.n };
  });
  expect(outcome.wrong).toEqual([]);
  expect(outcome.codes).toEqual({ SQL_ERROR: 1500, CONSTRAINT: 1500 });
  expect(outcome.count).toBe(4);

  await db.reload();
  await db.open('loop');
  expect(await db.query('loop', 'SELECT code FROM t ORDER BY id')).toEqual([
    { code: 'taken' },
    { code: 'tx1' },
    { code: 'tx2' },
    { code: 'plain' },
  ]);
});

test('a closed store rejects with CLOSED', async ({ db }) => {
  await db.open('closing');
  await db.run('closing', 'CREATE TABLE t (v INTEGER)');
  await db.run('closing', 'INSERT INTO t VALUES (1)');
  await db.close('closing');

  const query = await db.fail('closing', 'query', 'SELECT * FROM t');
  expect(query).toMatchObject({ name: 'StoreError', code: 'CLOSED', instanceOfStoreError: true });
  const run = await db.fail('closing', 'run', 'INSERT INTO t VALUES (2)');
  expect(run).toMatchObject({ code: 'CLOSED' });
  const tx = await db.page.evaluate(() =>
    window.e2e.settle(window.stores.closing!.transaction(async (t) => t.run('INSERT INTO t VALUES (3)'))),
  );
  expect(tx).toMatchObject({ ok: false, error: { code: 'CLOSED' } });

  // The data is still there for the next open.
  await db.open('closing');
  expect(await db.query('closing', 'SELECT v FROM t')).toEqual([{ v: 1 }]);
});
