import { describe, expect, it } from 'vitest';
import { crc32, decodeEntry, encodeEntry, type ChangeEntry } from '../src/worker/sql/codec';
import { mayReplace, parameters, splitStatements, statementKind, tokenize } from '../src/worker/sql/lexer';
import { bindParams } from '../src/worker/sql/values';

describe('lexer', () => {
  it('numbers parameters the way SQLite does, ignoring strings and comments', () => {
    const sql = `SELECT ?, '?', "?" /* ? */, ?5, :a, ?, :a -- ?\n, $b`;
    expect(parameters(tokenize(sql)).map((p) => [p.index, p.name])).toEqual([
      [1, undefined],
      [5, undefined],
      [6, 'a'],
      [7, undefined],
      [6, 'a'],
      [8, 'b'],
    ]);
  });

  it('classifies statements', () => {
    const kind = (sql: string) => statementKind(tokenize(sql));
    expect(kind('select 1')).toBe('read');
    expect(kind('WITH x AS (SELECT 1) SELECT * FROM x')).toBe('read');
    expect(kind('WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x')).toBe('write');
    expect(kind('PRAGMA table_info(t)')).toBe('read');
    expect(kind('PRAGMA user_version = 2')).toBe('schema');
    expect(kind('create table t(x)')).toBe('schema');
    expect(kind('savepoint a')).toBe('transaction');
  });

  it('tells REPLACE conflict clauses from the replace() function', () => {
    const r = (sql: string) => mayReplace(tokenize(sql));
    expect(r('INSERT OR REPLACE INTO t VALUES (1)')).toBe(true);
    expect(r('REPLACE INTO t VALUES (1)')).toBe(true);
    expect(r('CREATE TABLE t(x UNIQUE ON CONFLICT REPLACE)')).toBe(true);
    expect(r("UPDATE t SET x = replace(x, 'a', 'b')")).toBe(false);
    expect(r("INSERT INTO t VALUES ('OR REPLACE')")).toBe(false);
  });

  it('splits scripts but not trigger bodies', () => {
    const sql = `CREATE TABLE t(x); CREATE TRIGGER g AFTER INSERT ON t BEGIN SELECT CASE WHEN 1 THEN 2 END; DELETE FROM t; END; INSERT INTO t VALUES (';')`;
    expect(splitStatements(sql, tokenize(sql)).map((s) => s.text.trim().slice(0, 14))).toEqual([
      'CREATE TABLE t',
      'CREATE TRIGGER',
      'INSERT INTO t ',
    ]);
  });

  it('rewrites only the integer parameters that sql.js would not bind exactly', () => {
    const sql = 'SELECT :a, :b, :c';
    const bound = bindParams(sql, tokenize(sql), { a: 0, b: 2 ** 31 - 1, c: 2n ** 40n });
    expect(bound.sql).toBe('SELECT :a, :b, CAST(:c AS INTEGER)');
    expect(bound.values).toEqual([0, 2 ** 31 - 1, String(2n ** 40n)]);
    expect(bindParams('SELECT ?, ?', tokenize('SELECT ?, ?'), [1, 2n ** 62n]).sql).toBe('SELECT ?, CAST(? AS INTEGER)');
  });
});

describe('change codec', () => {
  const entry: ChangeEntry = {
    seq: 42,
    tables: [
      {
        table: 'tëst "q"',
        columns: ['a', 'b'],
        deletes: [1, -(2n ** 63n), 2 ** 53 - 1],
        upserts: [
          { rowid: -(2 ** 53 - 1), values: [{ type: 'integer', value: 2n ** 63n - 1n }, { type: 'real', value: -0.1 }] },
          { rowid: 2n ** 62n, values: [{ type: 'text', value: new TextEncoder().encode('✓ €') }, { type: 'blob', value: new Uint8Array([0, 255]) }] },
          { rowid: 0, values: [{ type: 'null' }, { type: 'integer', value: -(2 ** 53 - 1) }] },
        ],
      },
    ],
  };

  it('round-trips every value exactly, including the ±(2^53−1) edges', () => {
    expect(decodeEntry(encodeEntry(entry), 'e')).toEqual(entry);
  });

  it('detects every single flipped byte and any truncation as CORRUPT', () => {
    const bytes = encodeEntry(entry);
    for (let i = 0; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i]! ^= 0x10;
      expect(() => decodeEntry(bad, 'log entry 42')).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
    }
    for (let n = 0; n < bytes.length; n++) {
      expect(() => decodeEntry(bytes.subarray(0, n), 'log entry 42')).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
    }
  });

  it('encodes the same bytes for an entry every time, names of other entries in between (names are encoded once)', () => {
    const other: ChangeEntry = { seq: 7, tables: [{ table: 'kontö', columns: ['ä', 'b'], deletes: [], upserts: [{ rowid: 1, values: [{ type: 'null' }, { type: 'integer', value: 2 }] }] }] };
    const first = encodeEntry(entry);
    expect(decodeEntry(encodeEntry(other), 'o')).toEqual(other);
    expect(encodeEntry(entry)).toEqual(first);
    expect(decodeEntry(encodeEntry(other), 'o')).toEqual(other);
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});
