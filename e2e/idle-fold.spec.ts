/**
 * The idle fold: a tab that stops committing folds a small log into a
 * snapshot (16 KiB by default, far below compactAfterBytes), once, so the
 * next open replays little; a log below that, or a store left idle after
 * its fold, is not folded again. Closing the store runs a fold that is
 * due at once (as SQLite checkpoints its WAL when it closes), so a store
 * closed right after its last commit also opens with nothing to replay.
 */
import { expect, test } from './fixtures';

const ROW = 'x'.repeat(400); // each insert logs a bit over 400 bytes

test('a tab that stops committing folds its log once, and the store reloads to the same state with nothing to replay', async ({ db }) => {
  await db.open('idle');
  await db.run('idle', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL, r REAL)');
  for (let i = 0; i < 60; i++) await db.run('idle', 'INSERT INTO t (v, r) VALUES (?, random() / 7.0)', [`${ROW}${i}`]);
  await db.run('idle', 'DELETE FROM t WHERE id % 10 = 0');
  const busy = await db.stats('idle');
  expect(busy.compactions).toBe(0);
  expect(busy.logEntries).toBe(61);
  expect(busy.logBytes).toBeGreaterThan(16 * 1024);

  await expect.poll(async () => (await db.stats('idle')).compactions, { timeout: 15_000 }).toBe(1);
  const folded = await db.stats('idle');
  expect(folded).toMatchObject({ seq: busy.seq, snapshotSeq: busy.seq, logEntries: 0 });
  const rows = await db.query('idle', 'SELECT id, v, r FROM t ORDER BY id');
  expect(rows).toHaveLength(54);

  // Idle after its fold: nothing to fold, so nothing is written again.
  await db.page.waitForTimeout(3_000);
  expect((await db.stats('idle')).compactions).toBe(1);

  await db.reload();
  await db.open('idle');
  expect(await db.stats('idle')).toMatchObject({ seq: busy.seq, snapshotSeq: busy.seq, logEntries: 0 });
  expect(await db.query('idle', 'SELECT id, v, r FROM t ORDER BY id')).toEqual(rows);
});

test('a log below the idle threshold is left as it is', async ({ db }) => {
  await db.open('small');
  await db.run('small', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  for (let i = 0; i < 5; i++) await db.run('small', 'INSERT INTO t (v) VALUES (?)', [`${ROW}${i}`]);
  await db.page.waitForTimeout(3_500);
  expect(await db.stats('small')).toMatchObject({ compactions: 0, logEntries: 5 });
});

test('close() folds a log the idle fold would have folded, so the next open replays nothing', async ({ db }) => {
  await db.open('closing');
  await db.run('closing', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  for (let i = 0; i < 60; i++) await db.run('closing', 'INSERT INTO t (v) VALUES (?)', [`${ROW}${i}`]);
  const busy = await db.stats('closing');
  expect(busy).toMatchObject({ compactions: 0, logEntries: 60 }); // the CREATE TABLE was a snapshot commit
  const rows = await db.query('closing', 'SELECT id, v FROM t ORDER BY id');
  await db.close('closing'); // at once: the idle fold's two seconds have not passed

  await db.open('closing');
  expect(await db.stats('closing')).toMatchObject({ seq: busy.seq, snapshotSeq: busy.seq, logEntries: 0 });
  expect(await db.query('closing', 'SELECT id, v FROM t ORDER BY id')).toEqual(rows);
  await db.close('closing');

  // Closed again with nothing committed since: nothing to fold, nothing written.
  await db.open('closing');
  expect(await db.stats('closing')).toMatchObject({ seq: busy.seq, snapshotSeq: busy.seq, logEntries: 0 });
});

test('close() leaves a log below the idle threshold as it is', async ({ db }) => {
  await db.open('small-close');
  await db.run('small-close', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  for (let i = 0; i < 5; i++) await db.run('small-close', 'INSERT INTO t (v) VALUES (?)', [`${ROW}${i}`]);
  const before = await db.stats('small-close');
  expect(before.logEntries).toBe(5);
  await db.close('small-close');
  await db.open('small-close');
  expect(await db.stats('small-close')).toMatchObject({ seq: before.seq, snapshotSeq: before.snapshotSeq, logEntries: 5 });
});
