/**
 * Values round-trip exactly: 64-bit integers (number within ±(2^53−1),
 * bigint beyond), blobs as Uint8Array, NULL as null — in memory and after a
 * reload.
 */
import { expect, test } from './fixtures';

const MAX_SAFE = 2 ** 53 - 1;
const BIG: bigint[] = [2n ** 53n, 2n ** 53n + 1n, 2n ** 62n, -(2n ** 63n), 2n ** 63n - 1n, -(2n ** 53n) - 1n];

test('integers beyond 2^53 round-trip exactly as bigint, smaller ones as number', async ({ db }) => {
  await db.open('ints');
  await db.run('ints', 'CREATE TABLE n (id INTEGER PRIMARY KEY, v INTEGER)');
  for (const value of BIG) {
    await db.run('ints', 'INSERT INTO n (v) VALUES (?)', [value]);
  }
  await db.run('ints', 'INSERT INTO n (v) VALUES (?), (?), (?)', [MAX_SAFE, -MAX_SAFE, 0]);
  await db.run('ints', 'INSERT INTO n (v) VALUES (?)', [2n ** 53n - 1n]);

  const read = async () => (await db.query<{ v: unknown }>('ints', 'SELECT v FROM n ORDER BY id')).map((r) => r.v);
  const expected = [...BIG, MAX_SAFE, -MAX_SAFE, 0, MAX_SAFE];
  const values = await read();
  expect(values).toEqual(expected);
  expect(values[1]).toBe(9007199254740993n);
  expect(values.slice(0, BIG.length).every((v) => typeof v === 'bigint')).toBe(true);
  expect(values.slice(BIG.length).every((v) => typeof v === 'number')).toBe(true);

  // SQLite sees the exact value: compare as text and do arithmetic in SQL.
  const asText = await db.query<{ t: string }>('ints', 'SELECT CAST(v AS TEXT) AS t FROM n ORDER BY id');
  expect(asText.map((r) => r.t)).toEqual(expected.map(String));
  expect(await db.query('ints', 'SELECT v FROM n WHERE v = ?', [2n ** 53n + 1n])).toEqual([{ v: 2n ** 53n + 1n }]);
  expect(await db.query('ints', 'SELECT v + 1 AS w FROM n WHERE id = 2')).toEqual([{ w: 2n ** 53n + 2n }]);

  const lastRowid = await db.run('ints', 'INSERT INTO n (id, v) VALUES (?, 1)', [2n ** 60n]);
  expect(lastRowid.lastInsertRowid).toBe(2n ** 60n);
  await db.run('ints', 'DELETE FROM n WHERE id = ?', [2n ** 60n]);

  await db.reload();
  await db.open('ints');
  expect(await read()).toEqual(expected);
});

test('a bigint parameter binds as an SQLite integer', async ({ db }) => {
  await db.open('bind');
  const x = 2n ** 60n;
  expect(await db.query('bind', 'SELECT typeof(?) AS t, ? + 1 AS s', [x, x])).toEqual([{ t: 'integer', s: x + 1n }]);
  expect(await db.query('bind', 'SELECT typeof(?) AS t, ? AS v', [5n, 5n])).toEqual([{ t: 'integer', v: 5 }]);
  expect(await db.query('bind', 'SELECT typeof(:a) AS t, :a * 2 AS d', { a: 2n ** 61n })).toEqual([
    { t: 'integer', d: 2n ** 62n },
  ]);
});

test('a bigint outside int64 is rejected with INVALID_ARGUMENT', async ({ db }) => {
  await db.open('range');
  await db.run('range', 'CREATE TABLE n (v INTEGER)');
  for (const value of [2n ** 63n, -(2n ** 63n) - 1n, 2n ** 100n]) {
    const error = await db.fail('range', 'run', 'INSERT INTO n (v) VALUES (?)', [value]);
    expect(error, String(value)).toMatchObject({ name: 'StoreError', code: 'INVALID_ARGUMENT' });
  }
  const inTx = await db.page.evaluate(() =>
    window.e2e.settle(window.stores.range!.transaction((tx) => tx.run('INSERT INTO n (v) VALUES (?)', [2n ** 64n]))),
  );
  expect(inTx).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  expect(await db.query('range', 'SELECT count(*) AS n FROM n')).toEqual([{ n: 0 }]);
});

test('blobs come back as Uint8Array with the same bytes, NULL as null', async ({ db }) => {
  await db.open('blobs');
  await db.run('blobs', 'CREATE TABLE b (id INTEGER PRIMARY KEY, data BLOB, note TEXT, r REAL)');
  const bytes = new Uint8Array(300);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37 + 11) % 256;
  const empty = new Uint8Array(0);

  await db.run('blobs', 'INSERT INTO b (data, note, r) VALUES (?, ?, ?)', [bytes, 'x', 1.5]);
  await db.run('blobs', 'INSERT INTO b (data, note, r) VALUES (:data, :note, :r)', { data: empty, note: null, r: null });
  await db.run('blobs', "INSERT INTO b (data, note, r) VALUES (x'00ff10', NULL, -0.25)");

  const expected = [
    { id: 1, data: bytes, note: 'x', r: 1.5 },
    { id: 2, data: empty, note: null, r: null },
    { id: 3, data: new Uint8Array([0, 255, 16]), note: null, r: -0.25 },
  ];
  const read = () => db.query('blobs', 'SELECT * FROM b ORDER BY id');
  const rows = await read();
  expect(rows).toEqual(expected);
  for (const row of rows.slice(0, 1)) expect(row.data).toBeInstanceOf(Uint8Array);
  expect(await db.query('blobs', 'SELECT typeof(data) AS t, length(data) AS n FROM b ORDER BY id')).toEqual([
    { t: 'blob', n: 300 },
    { t: 'blob', n: 0 },
    { t: 'blob', n: 3 },
  ]);

  // The page itself sees real Uint8Arrays (not ArrayBuffers or plain arrays).
  const kinds = await db.page.evaluate(async () => {
    const rows = await window.stores.blobs!.query<{ data: unknown }>('SELECT data FROM b ORDER BY id');
    return rows.map((r) => Object.prototype.toString.call(r.data));
  });
  expect(kinds).toEqual(['[object Uint8Array]', '[object Uint8Array]', '[object Uint8Array]']);

  await db.reload();
  await db.open('blobs');
  expect(await read()).toEqual(expected);
});
