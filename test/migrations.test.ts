import { describe, expect, it } from 'vitest';
import { Engine } from '../src/worker/sql/engine';
import { checkMigrations, currentVersion, migrate, type MigrationHost } from '../src/worker/features/migrations';
import type { Migration } from '../src/shared/types';
import { loadSql } from './helpers';

const V1: Migration = { version: 1, name: 'players', up: 'CREATE TABLE player(id TEXT PRIMARY KEY, balance INTEGER NOT NULL) STRICT', down: 'DROP TABLE player' };
const V2: Migration = {
  version: 2,
  name: 'nickname',
  up: `ALTER TABLE player ADD COLUMN nick TEXT; UPDATE player SET nick = 'p-' || id`,
  down: 'ALTER TABLE player DROP COLUMN nick',
};
const V3: Migration = { version: 3, name: 'broken', up: `CREATE TABLE ok(x); INSERT INTO nope VALUES (1)` };

async function host(): Promise<MigrationHost & { checkpoints: string[]; e: Engine }> {
  const e = new Engine(await loadSql());
  const checkpoints: string[] = [];
  return {
    e,
    checkpoints,
    engine: () => e,
    commitOpen: async () => {
      e.pending(1);
      e.commit();
    },
    checkpoint: async (reason) => void checkpoints.push(reason),
  };
}

describe('migrations', () => {
  it('applies once, then is a no-op', async () => {
    const h = await host();
    const known = await checkMigrations([V1, V2]);
    expect(await migrate(h, known, 2)).toBe(2);
    expect(currentVersion(h.e)).toBe(2);
    expect(await migrate(h, known, 2)).toBe(0);
    expect(h.e.query('SELECT version, name FROM pacioli_migrations')).toEqual([
      { version: 1, name: 'players' },
      { version: 2, name: 'nickname' },
    ]);
  });

  it('rolls a failing migration back and stays usable at the previous version', async () => {
    const h = await host();
    const known = await checkMigrations([V1, V2, V3]);
    await expect(migrate(h, known, 3)).rejects.toMatchObject({ code: 'MIGRATION_FAILED', message: expect.stringMatching(/3 \(broken\).*no such table: nope/) });
    expect(currentVersion(h.e)).toBe(2);
    expect(h.e.query(`SELECT name FROM sqlite_schema WHERE name = 'ok'`)).toEqual([]);
    h.e.begin();
    h.e.run(`INSERT INTO player VALUES ('a', 1, 'x')`);
    h.e.commit();
  });

  it('goes forward and back with the data, keeping a checkpoint before touching a non-empty database', async () => {
    const h = await host();
    const known = await checkMigrations([V1, V2]);
    await migrate(h, known, 1);
    h.e.begin();
    h.e.run(`INSERT INTO player VALUES ('a', 10), ('b', 20)`);
    h.e.commit();
    await migrate(h, known, 2);
    expect(h.e.query('SELECT id, balance, nick FROM player ORDER BY id')).toEqual([
      { id: 'a', balance: 10, nick: 'p-a' },
      { id: 'b', balance: 20, nick: 'p-b' },
    ]);
    await migrate(h, known, 1);
    expect(h.e.query('SELECT * FROM player ORDER BY id')).toEqual([
      { id: 'a', balance: 10 },
      { id: 'b', balance: 20 },
    ]);
    expect(h.checkpoints).toEqual(['before migrating from version 1 to 2', 'before migrating from version 2 to 1']);
  });

  it('refuses changed SQL, unknown newer versions, missing downs and bad lists', async () => {
    const h = await host();
    await migrate(h, await checkMigrations([V1, V2]), 2);
    await expect(migrate(h, await checkMigrations([V1, { ...V2, up: V2.up + ' ' }]), 2)).rejects.toMatchObject({ code: 'MIGRATION_CHECKSUM' });
    await expect(migrate(h, await checkMigrations([V1]), 1)).rejects.toMatchObject({ code: 'SCHEMA_AHEAD' });
    await expect(migrate(h, await checkMigrations([V1, { ...V2, down: undefined }]), 0)).rejects.toMatchObject({ code: 'MIGRATION_FAILED' });
    for (const bad of [[V2, V1], [V1, V1], [{ ...V1, version: 0 }], [{ ...V1, name: '' }], [{ ...V1, up: 42 }]]) {
      await expect(checkMigrations(bad as Migration[])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });
});
