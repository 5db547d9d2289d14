/**
 * Schema migrations in one tab: applied once and recorded, refused when an
 * applied one changed, rolled back step by step when one fails, walked
 * forward and back, and old code opening a newer database reads but never
 * writes.
 */
import type { Migration } from '../src/index';
import { expect, test, unwrap, type Db, type Settled } from './fixtures';

const V1: Migration = { version: 1, name: 'items', up: 'CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT' };
const V2: Migration = {
  version: 2,
  name: 'upper names',
  up: 'ALTER TABLE item ADD COLUMN upper_name TEXT; UPDATE item SET upper_name = upper(name)',
  down: 'ALTER TABLE item DROP COLUMN upper_name',
};
const BROKEN: Migration = {
  version: 3,
  name: 'broken step',
  up: 'CREATE TABLE partial (x INTEGER); INSERT INTO missing_table VALUES (1)',
};

/** `store.migrate()`, or `store.migrateTo(target)`, in the page. */
function migrate(db: Db, name: string, target: number | null = null): Promise<Settled> {
  return db.page.evaluate(
    ({ name, target }) => {
      const store = window.stores[name]!;
      return window.e2e.settle(target === null ? store.migrate() : store.migrateTo(target));
    },
    { name, target },
  );
}

async function schemaVersion(db: Db, name: string): Promise<number> {
  const outcome = await db.page.evaluate((name) => window.e2e.settle(window.stores[name]!.schemaVersion()), name);
  return unwrap(outcome, 'schemaVersion()') as number;
}

/** The database's own objects (tables, indexes, triggers), with their SQL. */
function schema(db: Db, name: string) {
  return db.query(name, `SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name`);
}

async function objectNames(db: Db, name: string): Promise<string[]> {
  return (await schema(db, name)).map((row) => String(row.name));
}

test('migrate() applies pending migrations once and records them', async ({ db }) => {
  const index: Migration = { version: 2, name: 'by name', up: 'CREATE INDEX item_by_name ON item (name)' };
  await db.open('once', { migrations: [V1, index], autoMigrate: false });
  expect(await schemaVersion(db, 'once')).toBe(0);
  expect(await objectNames(db, 'once')).toEqual([]);

  expect(unwrap(await migrate(db, 'once'), 'migrate()')).toBe(2);
  expect(await schemaVersion(db, 'once')).toBe(2);
  expect(await objectNames(db, 'once')).toEqual(['item_by_name', 'item', 'pacioli_migrations', 'pacioli_outcomes']);
  const applied = await db.query('once', 'SELECT version, name, length(checksum) AS hash FROM pacioli_migrations ORDER BY version');
  expect(applied).toEqual([
    { version: 1, name: 'items', hash: 64 },
    { version: 2, name: 'by name', hash: 64 },
  ]);

  expect(unwrap(await migrate(db, 'once'), 'second migrate()')).toBe(0);
  expect(await schemaVersion(db, 'once')).toBe(2);
  expect(await db.query('once', 'SELECT version, name, length(checksum) AS hash FROM pacioli_migrations ORDER BY version')).toEqual(applied);
});

test('openStore migrates by default, and a reload reopens the same schema and data without migrating again', async ({ db }) => {
  await db.open('auto', { migrations: [V1, V2] });
  expect(await schemaVersion(db, 'auto')).toBe(2);
  await db.run('auto', "INSERT INTO item (name, upper_name) VALUES ('ada', 'ADA'), ('bob', NULL)");
  const rows = [
    { id: 1, name: 'ada', upper_name: 'ADA' },
    { id: 2, name: 'bob', upper_name: null },
  ];
  const applied = await db.query('auto', 'SELECT * FROM pacioli_migrations ORDER BY version');
  expect(applied.map((row) => row.version)).toEqual([1, 2]);
  const before = await schema(db, 'auto');

  await db.reload();
  await db.open('auto', { migrations: [V1, V2] });
  expect(await schemaVersion(db, 'auto')).toBe(2);
  expect(unwrap(await migrate(db, 'auto'), 'migrate()')).toBe(0);
  expect(await schema(db, 'auto')).toEqual(before);
  expect(await db.query('auto', 'SELECT * FROM item ORDER BY id')).toStrictEqual(rows);
  // Same bookkeeping rows, applied_at included: nothing was applied again.
  expect(await db.query('auto', 'SELECT * FROM pacioli_migrations ORDER BY version')).toEqual(applied);
});

test('a failing migration rejects with MIGRATION_FAILED, keeps the earlier steps and leaves no partial DDL', async ({ db }) => {
  const list = [V1, V2, BROKEN];
  await db.open('broken', { migrations: list, autoMigrate: false });
  const outcome = await migrate(db, 'broken');
  expect(outcome).toMatchObject({ ok: false, error: { name: 'StoreError', code: 'MIGRATION_FAILED' } });
  const { message } = (outcome as Extract<Settled, { ok: false }>).error;
  expect(message).toContain('migration 3 (broken step)');
  expect(message).toContain('no such table: missing_table');

  expect(await schemaVersion(db, 'broken')).toBe(2);
  expect(await objectNames(db, 'broken')).not.toContain('partial');
  await db.run('broken', "INSERT INTO item (name) VALUES ('still writable')");
  const rows = [{ id: 1, name: 'still writable', upper_name: null }];
  expect(await db.query('broken', 'SELECT * FROM item')).toStrictEqual(rows);

  await db.reload();
  // Migrating on open fails the open the same way.
  const auto = await db.tryOpen('broken', { migrations: list });
  expect(auto).toMatchObject({ ok: false, error: { code: 'MIGRATION_FAILED' } });
  await db.open('broken', { migrations: list, autoMigrate: false });
  expect(await schemaVersion(db, 'broken')).toBe(2);
  expect(await objectNames(db, 'broken')).toEqual(['item', 'pacioli_migrations', 'pacioli_outcomes']);
  expect(await db.query('broken', 'SELECT * FROM item')).toStrictEqual(rows);
});

test('an applied migration whose SQL changed is refused with MIGRATION_CHECKSUM', async ({ db }) => {
  await db.open('sum', { migrations: [V1] });
  await db.run('sum', "INSERT INTO item (name) VALUES ('kept')");
  await db.reload();

  const edited: Migration = { ...V1, up: `${V1.up} -- edited after release` };
  const opened = await db.tryOpen('sum', { migrations: [edited] });
  expect(opened).toMatchObject({ ok: false, error: { name: 'StoreError', code: 'MIGRATION_CHECKSUM' } });
  expect((opened as Extract<Settled, { ok: false }>).error.message).toContain('migration 1 (items)');

  await db.open('sum', { migrations: [edited], autoMigrate: false });
  expect(await migrate(db, 'sum')).toMatchObject({ ok: false, error: { code: 'MIGRATION_CHECKSUM' } });
  expect(await schemaVersion(db, 'sum')).toBe(1);
  expect(await db.query('sum', 'SELECT name FROM item')).toEqual([{ name: 'kept' }]);
  await db.close('sum');

  // The original list still opens.
  await db.open('sum', { migrations: [V1] });
  expect(await db.query('sum', 'SELECT name FROM item')).toEqual([{ name: 'kept' }]);
});

test('migrateTo walks forward and backward with the data preserved', async ({ db }) => {
  await db.open('walk', { migrations: [V1, V2], autoMigrate: false });
  await db.page.evaluate(() => window.stores.walk!.migrateTo(1));
  expect(await schemaVersion(db, 'walk')).toBe(1);
  await db.run('walk', "INSERT INTO item (name) VALUES ('ada'), ('bob')");
  // Explicit columns, so the check does not depend on how `SELECT *` is expanded (see the next test).
  const columns = async () => (await db.query('walk', `SELECT name FROM pragma_table_info('item') ORDER BY cid`)).map((c) => c.name);
  const plain = () => db.query('walk', 'SELECT id, name FROM item ORDER BY id');
  const upper = () => db.query('walk', 'SELECT id, upper_name FROM item ORDER BY id');
  const names = [
    { id: 1, name: 'ada' },
    { id: 2, name: 'bob' },
  ];
  const uppers = [
    { id: 1, upper_name: 'ADA' },
    { id: 2, upper_name: 'BOB' },
  ];

  expect(unwrap(await migrate(db, 'walk', 2), 'migrateTo(2)')).toBeUndefined();
  expect(await schemaVersion(db, 'walk')).toBe(2);
  expect(await columns()).toEqual(['id', 'name', 'upper_name']);
  expect(await upper()).toStrictEqual(uppers);

  unwrap(await migrate(db, 'walk', 1), 'migrateTo(1)');
  expect(await schemaVersion(db, 'walk')).toBe(1);
  expect(await columns()).toEqual(['id', 'name']);
  expect(await plain()).toStrictEqual(names);
  expect(await db.query('walk', 'SELECT version FROM pacioli_migrations')).toEqual([{ version: 1 }]);

  unwrap(await migrate(db, 'walk', 2), 'migrateTo(2) again');
  expect(await columns()).toEqual(['id', 'name', 'upper_name']);
  expect(await upper()).toStrictEqual(uppers);

  // Back to 0 needs V1's down, which does not exist: refused before any step runs.
  const back = await migrate(db, 'walk', 0);
  expect(back).toMatchObject({ ok: false, error: { code: 'MIGRATION_FAILED' } });
  expect((back as Extract<Settled, { ok: false }>).error.message).toContain('migration 1 (items) has no down');
  expect(await schemaVersion(db, 'walk')).toBe(2);
  expect(await plain()).toStrictEqual(names);
  expect(await upper()).toStrictEqual(uppers);

  await db.reload();
  await db.open('walk', { migrations: [V1, V2], autoMigrate: false });
  expect(await schemaVersion(db, 'walk')).toBe(2);
  expect(await plain()).toStrictEqual(names);
  expect(await upper()).toStrictEqual(uppers);
});

test('SELECT * right after a migration adds or drops a column returns the new columns', async ({ db }) => {
  await db.open('star', { migrations: [V1, V2], autoMigrate: false });
  unwrap(await migrate(db, 'star', 1), 'migrateTo(1)');
  await db.run('star', "INSERT INTO item (name) VALUES ('ada')");
  expect(await db.query('star', 'SELECT * FROM item')).toStrictEqual([{ id: 1, name: 'ada' }]);
  unwrap(await migrate(db, 'star', 2), 'migrateTo(2)');
  expect(await db.query('star', 'SELECT * FROM item')).toStrictEqual([{ id: 1, name: 'ada', upper_name: 'ADA' }]);
  unwrap(await migrate(db, 'star', 1), 'migrateTo(1) back');
  expect(await db.query('star', 'SELECT * FROM item')).toStrictEqual([{ id: 1, name: 'ada' }]);
});

test('a migration list that is not strictly increasing is refused with INVALID_ARGUMENT', async ({ db }) => {
  const backwards = await db.tryOpen('bad', { migrations: [V2, V1] });
  expect(backwards).toMatchObject({ ok: false, error: { name: 'StoreError', code: 'INVALID_ARGUMENT' } });
  const twice = await db.tryOpen('bad', { migrations: [V1, { ...V1, name: 'items again' }] });
  expect(twice).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  expect((twice as Extract<Settled, { ok: false }>).error.message).toContain('version 1');

  // Nothing ran.
  await db.open('bad');
  expect(await schemaVersion(db, 'bad')).toBe(0);
  expect(await objectNames(db, 'bad')).toEqual([]);
});

test('old code opening a newer database reads, refuses writes with SCHEMA_AHEAD and says so', async ({ db }) => {
  await db.open('ahead', { migrations: [V1, V2] });
  await db.run('ahead', "INSERT INTO item (name, upper_name) VALUES ('ada', 'ADA'), ('bob', NULL)");
  const rows = await db.query('ahead', 'SELECT * FROM item ORDER BY id');
  expect(rows).toStrictEqual([
    { id: 1, name: 'ada', upper_name: 'ADA' },
    { id: 2, name: 'bob', upper_name: null },
  ]);
  await db.close('ahead');

  await db.open('ahead', { migrations: [V1] });
  const seen = await db.page.evaluate(async () => {
    const store = window.stores.ahead!;
    let calls = 0;
    store.on('schema-ahead', () => calls++);
    await window.e2e.sleep(0);
    return { schemaAhead: store.schemaAhead, calls, version: await store.schemaVersion() };
  });
  expect(seen).toEqual({ schemaAhead: true, calls: 1, version: 2 });

  expect(await db.query('ahead', 'SELECT * FROM item ORDER BY id')).toStrictEqual(rows);
  expect(await db.fail('ahead', 'run', "INSERT INTO item (name) VALUES ('lost')")).toMatchObject({
    name: 'StoreError',
    code: 'SCHEMA_AHEAD',
  });
  expect(await db.fail('ahead', 'query', 'DELETE FROM item RETURNING id')).toMatchObject({ code: 'SCHEMA_AHEAD' });
  expect(await migrate(db, 'ahead')).toMatchObject({ ok: false, error: { code: 'SCHEMA_AHEAD' } });
  expect(await db.query('ahead', 'SELECT * FROM item ORDER BY id')).toStrictEqual(rows);

  await db.reload();
  await db.open('ahead', { migrations: [V1, V2] });
  expect(await db.page.evaluate(() => window.stores.ahead!.schemaAhead)).toBe(false);
  expect(await schemaVersion(db, 'ahead')).toBe(2);
  expect(await db.query('ahead', 'SELECT * FROM item ORDER BY id')).toStrictEqual(rows);
});

test('a reload after migrating keeps tables, indexes, triggers and rows', async ({ db }) => {
  const migrations: Migration[] = [
    V1,
    {
      version: 2,
      name: 'tally',
      up: `CREATE TABLE tally (n INTEGER NOT NULL) STRICT; INSERT INTO tally VALUES (0);
           CREATE INDEX item_by_name ON item (name);
           CREATE TRIGGER count_items AFTER INSERT ON item BEGIN UPDATE tally SET n = n + 1; END`,
    },
  ];
  await db.open('kept', { migrations });
  await db.run('kept', "INSERT INTO item (name) VALUES ('a'), ('b'), ('c')");
  expect(await db.query('kept', 'SELECT n FROM tally')).toEqual([{ n: 3 }]);
  const objects = await schema(db, 'kept');
  expect(objects.map((o) => `${o.type} ${o.name}`)).toEqual([
    'index item_by_name',
    'table item',
    'table pacioli_migrations',
    'table pacioli_outcomes',
    'table tally',
    'trigger count_items',
  ]);

  await db.reload();
  await db.open('kept', { migrations });
  expect(await schemaVersion(db, 'kept')).toBe(2);
  expect(await schema(db, 'kept')).toEqual(objects);
  expect(await db.query('kept', 'SELECT name FROM item ORDER BY id')).toEqual([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
  await db.run('kept', "INSERT INTO item (name) VALUES ('d')");
  expect(await db.query('kept', 'SELECT n FROM tally')).toEqual([{ n: 4 }]);
});
