import { describe, expect, it } from 'vitest';
import { Engine } from '../src/worker/sql/engine';
import { packRows, unpackRows } from '../src/shared/rows';
import { dump, inTx, loadSql } from './helpers';

const SCHEMA = `
  CREATE TABLE parent(id INTEGER PRIMARY KEY, tag TEXT UNIQUE, n ANY) STRICT;
  CREATE TABLE child(id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent(id) ON DELETE CASCADE, v BLOB);
  CREATE TABLE audit(id INTEGER PRIMARY KEY, what TEXT);
  CREATE TRIGGER parent_audit AFTER INSERT ON parent BEGIN INSERT INTO audit(what) VALUES ('parent ' || NEW.id); END;
`;

/** Runs `fn` as a transaction on `engine` and checks its log entry rebuilds the same state on a copy of the pre-image. */
async function expectReplayable(engine: Engine, fn: (e: Engine) => void, kind: 'log' | 'snapshot' | 'none' = 'log') {
  const sql = await loadSql();
  const before = engine.export();
  const pending = inTx(engine, 1, fn);
  expect(pending.kind).toBe(kind);
  if (pending.kind !== 'log') return pending;
  const copy = new Engine(sql, before);
  copy.replay([{ seq: 1, bytes: pending.entry }]);
  expect(dump(copy)).toEqual(dump(engine));
  copy.close();
  return pending;
}

async function fresh(schema = SCHEMA): Promise<Engine> {
  const engine = new Engine(await loadSql());
  inTx(engine, 0, (e) => e.run(schema));
  return engine;
}

describe('change capture', () => {
  it('replays inserts, updates, deletes, cascades and trigger effects exactly', async () => {
    const e = await fresh();
    await expectReplayable(e, (e) => {
      e.run(`INSERT INTO parent VALUES (1, 'a', 1.0), (2, 'b', 2n ** 62n), (3, 'c', x'00ff')`.replace('2n ** 62n', '4611686018427387904'));
      e.run(`INSERT INTO child(parent, v) VALUES (1, randomblob(8)), (2, randomblob(8)), (2, NULL)`);
    });
    await expectReplayable(e, (e) => {
      e.run(`DELETE FROM parent WHERE id = 2`); // cascades to two children
      e.run(`UPDATE parent SET n = random() WHERE id = 1`);
      e.run(`INSERT INTO parent VALUES (4, datetime('now'), NULL)`);
    });
  });

  it('carries AUTOINCREMENT counters, which no hook reports, so a replayed copy never reuses an id', async () => {
    const e = await fresh(`CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)`);
    const sql = await loadSql();
    const before = e.export();
    const pending = inTx(e, 1, (e) => (e.run(`INSERT INTO t(v) VALUES ('one'), ('two')`), e.run(`DELETE FROM t WHERE id = 2`)));
    expect(pending.kind).toBe('log');
    const copy = new Engine(sql, before);
    copy.replay([{ seq: 1, bytes: (pending as { entry: Uint8Array }).entry }]);
    expect(copy.query(`SELECT name, seq FROM sqlite_sequence`)).toEqual([{ name: 't', seq: 2 }]);
    copy.begin();
    expect(copy.run(`INSERT INTO t(v) VALUES ('three')`).lastInsertRowid).toBe(3);
    copy.rollback();
    copy.close();
  });

  it('replays integers at the edges of 32 and 53 bits, and past them, as the same INTEGERs (rowids too)', async () => {
    const e = await fresh(`CREATE TABLE t(id INTEGER PRIMARY KEY, v ANY) STRICT`);
    const edges = ['0', '-1', '2147483647', '2147483648', '-2147483649', '4294967296', '9007199254740991', '-9007199254740991', '9007199254740992', '9223372036854775807', '-9223372036854775808'];
    await expectReplayable(e, (x) => {
      for (const v of edges) x.run(`INSERT INTO t(id, v) VALUES (${v}, ${v})`);
    });
    const rows = e.query(`SELECT typeof(id) AS ti, typeof(v) AS tv, CAST(id AS TEXT) AS id, CAST(v AS TEXT) AS v FROM t`);
    expect(rows.every((r) => r.ti === 'integer' && r.tv === 'integer' && r.id === r.v)).toBe(true);
    expect(rows.map((r) => r.v).sort()).toEqual([...edges].sort());
  });

  it('replays TEXT that is not valid UTF-8 byte for byte (a string would turn it into U+FFFD)', async () => {
    const e = await fresh(`CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)`);
    const sql = await loadSql();
    const before = e.export();
    const pending = inTx(e, 1, (e) => e.run(`INSERT INTO t(v) VALUES (CAST(x'ff00c328' AS TEXT)), ('✓ plain')`));
    const copy = new Engine(sql, before);
    copy.replay([{ seq: 1, bytes: (pending as { entry: Uint8Array }).entry }]);
    const bytes = (x: Engine) => x.query(`SELECT typeof(v) AS t, hex(v) AS h FROM t ORDER BY id`);
    expect(bytes(copy)).toEqual([{ t: 'text', h: 'FF00C328' }, { t: 'text', h: 'E29C9320706C61696E' }]);
    expect(bytes(copy)).toEqual(bytes(e));
    copy.close();
  });

  it('says when the schema has foreign keys that SQLite checks only at COMMIT', async () => {
    expect((await fresh()).checksAtCommit).toBe(false);
    const e = await fresh(`CREATE TABLE p(id INTEGER PRIMARY KEY); CREATE TABLE c(p INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)`);
    expect(e.checksAtCommit).toBe(true);
  });

  it('keeps REAL apart from INTEGER in columns without affinity', async () => {
    const e = await fresh();
    await expectReplayable(e, (e) => e.run(`INSERT INTO parent VALUES (1, 'a', 3.0), (2, 'b', 3)`));
    const rows = e.query(`SELECT typeof(n) AS t FROM parent ORDER BY id`);
    expect(rows).toEqual([{ t: 'real' }, { t: 'integer' }]);
  });

  it('captures an UPDATE that moves a rowid (the update hook reports only the new one)', async () => {
    const e = await fresh();
    inTx(e, 1, (e) => e.run(`INSERT INTO parent VALUES (1, 'a', 1), (2, 'b', 2)`));
    await expectReplayable(e, (e) => e.run(`UPDATE parent SET id = id + 100`));
    expect(e.query(`SELECT id FROM parent ORDER BY id`)).toEqual([{ id: 101 }, { id: 102 }]);
  });

  it('replays a swap of unique values made through a temporary value', async () => {
    const e = await fresh();
    inTx(e, 1, (e) => e.run(`INSERT INTO parent VALUES (1, 'a', 1), (2, 'b', 2)`));
    await expectReplayable(e, (e) => {
      e.run(`UPDATE parent SET tag = 'tmp' WHERE id = 1`);
      e.run(`UPDATE parent SET tag = 'a' WHERE id = 2`);
      e.run(`UPDATE parent SET tag = 'b' WHERE id = 1`);
    });
  });

  it('handles rowids beyond 2^53 exactly', async () => {
    const e = await fresh();
    await expectReplayable(e, (e) => e.run(`INSERT INTO audit VALUES (?, 'big'), (?, 'small')`, [2n ** 62n + 1n, -(2n ** 63n)]));
    expect(e.query(`SELECT id FROM audit ORDER BY id`)).toEqual([{ id: -(2n ** 63n) }, { id: 2n ** 62n + 1n }]);
  });

  it('falls back to a snapshot for what it cannot capture row by row', async () => {
    const e = await fresh(SCHEMA + `CREATE TABLE kv(k TEXT PRIMARY KEY, v) WITHOUT ROWID; CREATE TABLE plain(x);`);
    inTx(e, 1, (e) => e.run(`INSERT INTO plain VALUES (1), (2); INSERT INTO parent VALUES (1, 'a', 1)`));
    const reason = (fn: (e: Engine) => void) => {
      const p = inTx(e, 2, fn);
      return p.kind === 'snapshot' ? p.reason : p.kind;
    };
    expect(reason((e) => e.run(`INSERT INTO kv VALUES ('a', 1)`))).toMatch(/WITHOUT ROWID/);
    expect(reason((e) => e.run(`DELETE FROM plain`))).toMatch(/truncate/); // the truncate optimisation skips the hook
    expect(reason((e) => e.run(`INSERT OR REPLACE INTO parent VALUES (5, 'a', 2)`))).toMatch(/REPLACE/);
    expect(reason((e) => e.run(`REPLACE INTO audit VALUES (1, 'x')`))).toMatch(/REPLACE/);
    expect(reason((e) => e.run(`CREATE INDEX i ON audit(what)`))).toMatch(/schema/);
    expect(reason((e) => e.run(`CREATE TABLE IF NOT EXISTS plain(x); CREATE INDEX IF NOT EXISTS i ON audit(what)`))).toBe('none');
    expect(reason((e) => e.run(`CREATE TEMP TABLE scratch(x); INSERT INTO scratch VALUES (1)`))).toBe('none');
    expect(reason((e) => e.run(`PRAGMA user_version = 3`))).toMatch(/schema/);
    expect(reason((e) => e.run(`UPDATE parent SET tag = replace(tag, 'a', 'b')`))).toBe('log'); // the function is not a conflict clause
    expect(reason((e) => e.run(`UPDATE parent SET n = 1 WHERE id = 999`))).toBe('none');
  });
});

describe('engine rules', () => {
  it('keeps foreign keys on and refuses to turn them off', async () => {
    const e = await fresh();
    expect(e.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    e.begin();
    expect(() => e.run('PRAGMA foreign_keys = OFF')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => e.run('INSERT INTO child(parent) VALUES (42)')).toThrow(expect.objectContaining({ code: 'CONSTRAINT' }));
    expect(() => e.run('BEGIN')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    e.rollback();
    const copy = new Engine(await loadSql(), e.export());
    expect(copy.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
  });

  it('holds its file in exclusive locking mode, in a copy opened from its export too, and refuses to change that', async () => {
    // The file is the engine's alone (Emscripten's MEMFS): re-checking it before every read costs JS calls for nothing.
    const e = await fresh();
    expect(e.query('PRAGMA locking_mode')).toEqual([{ locking_mode: 'exclusive' }]);
    e.begin();
    expect(() => e.run('PRAGMA locking_mode = NORMAL')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    e.rollback();
    const copy = new Engine(await loadSql(), e.export());
    expect(copy.query('PRAGMA locking_mode')).toEqual([{ locking_mode: 'exclusive' }]);
    expect(dump(copy)).toEqual(dump(e));
  });

  it('refuses to change a pragma it owns however the statement spells it (comments, quoted or bracketed names, a schema)', async () => {
    const e = await fresh();
    const tries = [
      '/* a note */ PRAGMA foreign_keys = OFF',
      '-- a note\nPRAGMA locking_mode = NORMAL',
      'PRAGMA "foreign_keys" = OFF',
      'PRAGMA [locking_mode] = NORMAL',
      'PRAGMA `journal_mode` = DELETE',
      'PRAGMA main."foreign_keys" = OFF',
      'PRAGMA "main".locking_mode = NORMAL',
      'PRAGMA main . foreign_keys = 0',
      "PRAGMA 'locking_mode' = 'NORMAL'",
      'PRAGMA FOREIGN_KEYS(0)',
      'SELECT 1; /**/PRAGMA writable_schema = 1',
    ];
    for (const sql of tries) {
      e.begin();
      expect(() => e.run(sql), sql).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      e.rollback();
    }
    expect(e.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    expect(e.query('PRAGMA locking_mode')).toEqual([{ locking_mode: 'exclusive' }]);
    expect(e.query('PRAGMA writable_schema')).toEqual([{ writable_schema: 0 }]);
    // Reading them stays allowed, however spelled; so does setting a pragma the store does not own.
    expect(e.query('/* read */ PRAGMA "foreign_keys"')).toEqual([{ foreign_keys: 1 }]);
    expect(e.query('PRAGMA main.locking_mode')).toEqual([{ locking_mode: 'exclusive' }]);
    e.begin();
    e.run('PRAGMA "user_version" = 7');
    e.commit();
    expect(e.query('PRAGMA user_version')).toEqual([{ user_version: 7 }]);
  });

  it('notices when SQLite itself ends the transaction (RAISE(ROLLBACK))', async () => {
    const e = await fresh(`CREATE TABLE t(x); CREATE TRIGGER no AFTER INSERT ON t WHEN NEW.x < 0 BEGIN SELECT RAISE(ROLLBACK, 'negative'); END;`);
    e.begin();
    e.run('INSERT INTO t VALUES (1)');
    expect(() => e.run('INSERT INTO t VALUES (-1)')).toThrow(/negative/);
    expect(() => e.run('INSERT INTO t VALUES (2)')).toThrow(/rolled this transaction back/);
    e.rollback();
    expect(e.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 0 }]);
  });

  it('binds parameters exactly and refuses what it cannot store', async () => {
    const e = await fresh();
    expect(e.query('SELECT typeof(?) AS a, ? + 1 AS b, typeof(?) AS c', [2n ** 60n, 2n ** 60n, 2 ** 40])).toEqual([
      { a: 'integer', b: 2n ** 60n + 1n, c: 'integer' },
    ]);
    expect(e.query('SELECT :x AS x, @y AS y', { x: 1, '@y': 'two' })).toEqual([{ x: 1, y: 'two' }]);
    for (const bad of [[2n ** 63n], [NaN], [undefined], [{}], [new Date()]]) {
      expect(() => e.query('SELECT ?', bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(() => e.query('SELECT ?, ?', [1])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => e.query('SELECT :x', {})).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('maps SQLite failures to codes and keeps the message', async () => {
    const e = await fresh();
    e.begin();
    expect(() => e.run("INSERT INTO parent VALUES (1, 'a', 1), (2, 'a', 1)")).toThrow(
      expect.objectContaining({ code: 'CONSTRAINT', message: expect.stringContaining('UNIQUE constraint failed') }),
    );
    expect(() => e.run("INSERT INTO parent VALUES ('x', 'b', 1)")).toThrow(expect.objectContaining({ code: 'CONSTRAINT' }));
    expect(() => e.run('SELEC 1')).toThrow(expect.objectContaining({ code: 'SQL_ERROR', message: expect.stringContaining('syntax error') }));
    e.rollback();
  });

  it('returns the current columns right after a schema change, even from a cached statement', async () => {
    const e = await fresh(`CREATE TABLE t(a INTEGER); INSERT INTO t VALUES (1)`);
    expect(e.query('SELECT * FROM t')).toEqual([{ a: 1 }]);
    inTx(e, 1, (e) => e.run('ALTER TABLE t ADD COLUMN b INTEGER DEFAULT 7'));
    expect(e.query('SELECT * FROM t')).toEqual([{ a: 1, b: 7 }]);
    inTx(e, 2, (e) => e.run('ALTER TABLE t DROP COLUMN a'));
    expect(e.query('SELECT * FROM t')).toStrictEqual([{ b: 7 }]);
  });

  it('reports a garbled image as CORRUPT', async () => {
    const sql = await loadSql();
    const image = (await fresh()).export();
    image.fill(7, 0, 16);
    expect(() => new Engine(sql, image)).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
  });
});

describe('opening an image', () => {
  it('adopts the image read from storage instead of copying it, and a copy-opened engine leaves its image alone', async () => {
    const sql = await loadSql();
    const source = await fresh();
    inTx(source, 1, (e) => e.run(`INSERT INTO parent(tag, n) VALUES ('a', 1)`));
    const image = source.export();
    source.close();

    const pristine = image.slice();
    const copied = new Engine(sql, image);
    inTx(copied, 2, (e) => e.run(`UPDATE parent SET n = 2`));
    expect(image).toEqual(pristine); // the default copies: the caller's bytes are untouched

    const adopted = new Engine(sql, image, { adopt: true });
    expect(dump(adopted)).toEqual(dump(new Engine(sql, pristine)));
    inTx(adopted, 2, (e) => e.run(`UPDATE parent SET n = 3`));
    // The write landed in the very bytes handed over: sql.js kept them as its file (no 50 MB copy on a cold open).
    expect(image).not.toEqual(pristine);
    expect(new Engine(sql, image.slice()).query('SELECT n FROM parent')).toEqual([{ n: 3 }]);
    copied.close();
    adopted.close();
  });

  it('reads before its change capture exists, and a capture first made in a transaction that rolls back still sees a moved rowid', async () => {
    const sql = await loadSql();
    const source = await fresh();
    inTx(source, 1, (e) => e.run(`INSERT INTO parent VALUES (1, 'a', 1), (2, 'b', 2)`));
    const image = source.export();
    source.close();

    const e = new Engine(sql, image);
    // An open answers reads without reading every table's shape or making the rowid-move triggers.
    expect(e.query(`SELECT count(*) AS n FROM sqlite_temp_schema`)).toEqual([{ n: 0 }]);
    expect(e.query(`SELECT tag FROM parent ORDER BY id`)).toEqual([{ tag: 'a' }, { tag: 'b' }]);
    // The first transaction makes the capture, and rolls back: its TEMP triggers must not go with it.
    e.begin();
    e.run(`DELETE FROM parent`);
    e.rollback();
    expect(e.query(`SELECT count(*) AS n FROM sqlite_temp_schema WHERE type = 'trigger'`)).toEqual([{ n: 3 }]);
    await expectReplayable(e, (e) => e.run(`UPDATE parent SET id = id + 100`));
    expect(e.query(`SELECT id FROM parent ORDER BY id`)).toEqual([{ id: 101 }, { id: 102 }]);
    e.close();
  });
});

describe('rows on the wire', () => {
  it('packs a query’s rows as column names once and one flat array of values, which unpack to the same objects', async () => {
    const engine = new Engine(await loadSql());
    const sql = `SELECT 1 AS a, 'x' AS b, 9007199254740993 AS big, x'0102' AS blob, NULL AS n UNION ALL SELECT 2, 'y', 3, x'', 4`;
    const packed = engine.queryPacked(sql);
    expect(packed.columns).toEqual(['a', 'b', 'big', 'blob', 'n']);
    expect(packed.values).toEqual([1, 'x', 9007199254740993n, new Uint8Array([1, 2]), null, 2, 'y', 3, new Uint8Array(), 4]);
    expect(unpackRows(packed)).toEqual(engine.query(sql));
    expect(engine.query(sql)[0]).toEqual({ a: 1, b: 'x', big: 9007199254740993n, blob: new Uint8Array([1, 2]), n: null });
    // A repeated name keeps the later column's value, as an object per row always did.
    expect(unpackRows(engine.queryPacked('SELECT 1 AS k, 2 AS k'))).toEqual([{ k: 2 }]);
    // No rows: the names are still known. Several statements: the last one's rows.
    expect(engine.queryPacked(`SELECT 1 AS a WHERE 0`)).toEqual({ columns: ['a'], values: [] });
    expect(engine.queryPacked(`SELECT 5 AS a; SELECT 6 AS b`)).toEqual({ columns: ['b'], values: [6] });
    // Rows that are objects already (a write's RETURNING rows) pack to the same wire form.
    expect(packRows(engine.query(sql))).toEqual(packed);
    expect(unpackRows(packRows([]))).toEqual([]);
  });
});
