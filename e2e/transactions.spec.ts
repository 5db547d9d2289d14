/**
 * Transactions: all or nothing, serialized against each other and against
 * plain statements, bounded by a timeout.
 */
import { expect, test } from './fixtures';

test('a transaction whose fn throws rolls back and rejects with that very error', async ({ db }) => {
  await db.open('rb');
  await db.run('rb', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  await db.run('rb', "INSERT INTO t (v) VALUES ('kept')");

  const outcome = await db.page.evaluate(async () => {
    const store = window.stores.rb!;
    const thrown = new Error('boom');
    try {
      await store.transaction(async (tx) => {
        await tx.run("INSERT INTO t (v) VALUES ('lost')");
        await tx.run("UPDATE t SET v = 'changed' WHERE v = 'kept'");
        throw thrown;
      });
      return { rejected: false };
    } catch (error) {
      return { rejected: true, error: window.e2e.describeError(error) };
    }
  });
  expect(outcome.rejected).toBe(true);
  expect(outcome.error).toMatchObject({ name: 'Error', message: 'boom', isStoreError: false, instanceOfError: true });

  const expected = [{ id: 1, v: 'kept' }];
  expect(await db.query('rb', 'SELECT * FROM t')).toEqual(expected);
  await db.reload();
  await db.open('rb');
  expect(await db.query('rb', 'SELECT * FROM t')).toEqual(expected);
});

test('a transaction whose fn rejects after awaiting a query rolls back', async ({ db }) => {
  await db.open('rj');
  await db.run('rj', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)');
  await db.run('rj', 'INSERT INTO t (v) VALUES (1), (2)');

  const outcome = await db.page.evaluate(async () => {
    const store = window.stores.rj!;
    return window.e2e.settle(
      store.transaction(async (tx) => {
        await tx.run('DELETE FROM t WHERE v = 1');
        await tx.run('INSERT INTO t (v) VALUES (3)');
        const rows = await tx.query<{ n: number }>('SELECT count(*) AS n FROM t');
        await new Promise((resolve) => setTimeout(resolve, 20));
        return Promise.reject(new RangeError(`saw ${rows[0]!.n} rows`));
      }),
    );
  });
  expect(outcome).toMatchObject({ ok: false, error: { name: 'RangeError', message: 'saw 2 rows', isStoreError: false } });

  expect(await db.query('rj', 'SELECT v FROM t ORDER BY v')).toEqual([{ v: 1 }, { v: 2 }]);
  await db.reload();
  await db.open('rj');
  expect(await db.query('rj', 'SELECT v FROM t ORDER BY v')).toEqual([{ v: 1 }, { v: 2 }]);
});

test('a failing statement inside a transaction rolls the whole transaction back when fn rethrows', async ({ db }) => {
  await db.open('txc');
  await db.run('txc', 'CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT UNIQUE NOT NULL)');
  await db.run('txc', "INSERT INTO t (code) VALUES ('a')");

  const outcome = await db.page.evaluate(async () => {
    const store = window.stores.txc!;
    let inner: unknown;
    const settled = await window.e2e.settle(
      store.transaction(async (tx) => {
        await tx.run("INSERT INTO t (code) VALUES ('b')");
        try {
          await tx.run("INSERT INTO t (code) VALUES ('a')");
        } catch (error) {
          inner = error;
          throw error;
        }
      }),
    );
    return { settled, inner: window.e2e.describeError(inner) };
  });
  expect(outcome.inner).toMatchObject({ name: 'StoreError', code: 'CONSTRAINT', instanceOfStoreError: true });
  expect(outcome.inner.message).toContain('UNIQUE constraint failed');
  expect(outcome.settled).toMatchObject({ ok: false, error: { code: 'CONSTRAINT' } });

  expect(await db.query('txc', 'SELECT code FROM t ORDER BY id')).toEqual([{ code: 'a' }]);
  await db.reload();
  await db.open('txc');
  expect(await db.query('txc', 'SELECT code FROM t ORDER BY id')).toEqual([{ code: 'a' }]);
});

test('1000 concurrent read-then-increment transactions lose no update', async ({ db }) => {
  test.setTimeout(180_000);
  await db.open('counter');
  await db.run('counter', 'CREATE TABLE counter (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL)');
  await db.run('counter', 'INSERT INTO counter (id, n) VALUES (1, 0)');

  const final = await db.page.evaluate(async () => {
    const store = window.stores.counter!;
    const task = async () => {
      for (let i = 0; i < 100; i++) {
        await store.transaction(async (tx) => {
          const [row] = await tx.query<{ n: number }>('SELECT n FROM counter');
          await tx.run('UPDATE counter SET n = ?', [row!.n + 1]);
        });
      }
    };
    await Promise.all(Array.from({ length: 10 }, task));
    const [row] = await store.query<{ n: number }>('SELECT n FROM counter');
    return row!.n;
  });
  expect(final).toBe(1000);

  await db.reload();
  await db.open('counter');
  expect(await db.query('counter', 'SELECT n FROM counter')).toEqual([{ n: 1000 }]);
});

test('a plain query issued during an open transaction waits and never sees uncommitted rows', async ({ db }) => {
  await db.open('iso');
  await db.run('iso', 'CREATE TABLE t (v INTEGER)');

  const outcome = await db.page.evaluate(async () => {
    const store = window.stores.iso!;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const insertedYet = new Promise<void>((resolve) => (inserted = resolve));

    const tx = store.transaction(async (t) => {
      await t.run('INSERT INTO t (v) VALUES (1)');
      inserted();
      await gate;
      return 'committed';
    });
    await insertedYet;

    let seenDuringTx: number | undefined;
    const query = store.query<{ n: number }>('SELECT count(*) AS n FROM t').then((rows) => {
      seenDuringTx = rows[0]!.n;
      return rows[0]!.n;
    });
    await window.e2e.sleep(300);
    const settledWhileOpen = seenDuringTx !== undefined;
    release();
    const txResult = await tx;
    return { settledWhileOpen, seen: await query, txResult };
  });
  expect(outcome.settledWhileOpen).toBe(false);
  expect(outcome.txResult).toBe('committed');
  expect(outcome.seen).toBe(1);
});

test('a transaction open past txTimeoutMs is rolled back with TX_TIMEOUT', async ({ db }) => {
  await db.open('slow', { txTimeoutMs: 500 });
  await db.run('slow', 'CREATE TABLE t (v TEXT)');

  const outcome = await db.page.evaluate(async () => {
    const store = window.stores.slow!;
    let late: Promise<unknown> = Promise.resolve();
    let fnDone!: () => void;
    const fnFinished = new Promise<void>((resolve) => (fnDone = resolve));
    const started = performance.now();
    const tx = window.e2e.settle(
      store.transaction(async (t) => {
        try {
          await t.run("INSERT INTO t (v) VALUES ('too slow')");
          await window.e2e.sleep(1500);
          late = window.e2e.settle(t.run("INSERT INTO t (v) VALUES ('after timeout')"));
          await late;
          return 'finished';
        } finally {
          fnDone();
        }
      }),
    );
    const settled = await tx;
    const elapsed = performance.now() - started;
    await fnFinished;
    const lateRun = await late;
    const visible = await store.query('SELECT v FROM t');
    const later = await window.e2e.settle(store.run("INSERT INTO t (v) VALUES ('later')"));
    const afterwards = await store.query('SELECT v FROM t');
    return { settled, elapsed, lateRun, visible, later, afterwards };
  });
  expect(outcome.settled).toMatchObject({ ok: false, error: { name: 'StoreError', code: 'TX_TIMEOUT' } });
  expect(outcome.lateRun).toMatchObject({ ok: false, error: { code: 'TX_TIMEOUT' } });
  expect(outcome.visible).toEqual([]);
  expect(outcome.later).toMatchObject({ ok: true });
  expect(outcome.afterwards).toEqual([{ v: 'later' }]);
  // Rolled back no earlier than the timeout.
  expect(outcome.elapsed).toBeGreaterThanOrEqual(450);
});
