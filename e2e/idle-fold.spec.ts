/**
 * The idle fold: a tab that stops committing folds a small log into a
 * snapshot (16 KiB by default, far below compactAfterBytes), once, so the
 * next open replays little; a log below that, or a store left idle after
 * its fold, is not folded again.
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
