import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connect, type Sql } from '../../server/db';
import { migrate, MigrationError, MIGRATIONS_TABLE, checksum } from '../../server/migrate';
import { SERVER_MIGRATIONS, type ServerMigration } from '../../server/migrations';

let admin: Sql;
const made: string[] = [];

/** A fresh, empty database on the test server, dropped afterwards; `connect()` opens another client to it. */
async function freshDatabase(): Promise<Sql & { another: () => Sql }> {
  const name = `pacioli_mig_${randomBytes(6).toString('hex')}`;
  await admin.unsafe(`CREATE DATABASE ${name}`);
  made.push(name);
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/${name}`;
  return Object.assign(connect(url.toString(), { max: 4 }), { another: () => connect(url.toString(), { max: 1 }) });
}

beforeAll(() => {
  admin = connect(inject('databaseUrl'), { max: 1 });
});
afterAll(async () => {
  for (const name of made) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

const extra: ServerMigration = { version: SERVER_MIGRATIONS.length + 1, name: 'a test column', up: 'ALTER TABLE ledger ADD COLUMN note text' };

describe('server migrations', () => {
  it('apply in order once, each with its checksum, and do nothing the second time', async () => {
    const sql = await freshDatabase();
    expect(await migrate(sql)).toBe(SERVER_MIGRATIONS.length);
    expect(await migrate(sql)).toBe(0);
    expect(await migrate(sql, [...SERVER_MIGRATIONS, extra])).toBe(1);
    const rows = await sql`SELECT version, name, checksum FROM ${sql(MIGRATIONS_TABLE)} ORDER BY version`;
    expect(rows.map((r) => [r.version, r.checksum])).toEqual([...SERVER_MIGRATIONS, extra].map((m) => [m.version, checksum(m.up)]));
    await sql.end();
  });

  it('refuse an applied migration whose SQL changed, and a database ahead of the code', async () => {
    const sql = await freshDatabase();
    await migrate(sql, [...SERVER_MIGRATIONS, extra]);
    const edited = [...SERVER_MIGRATIONS, { ...extra, up: 'ALTER TABLE ledger ADD COLUMN note varchar(10)' }];
    await expect(migrate(sql, edited)).rejects.toMatchObject({ code: 'MIGRATION_CHECKSUM' });
    await expect(migrate(sql, SERVER_MIGRATIONS)).rejects.toMatchObject({ code: 'SCHEMA_AHEAD' });
    await sql.end();
  });

  it('refuse a list out of order before touching the database', async () => {
    const sql = await freshDatabase();
    await expect(migrate(sql, [extra, ...SERVER_MIGRATIONS])).rejects.toBeInstanceOf(MigrationError);
    const [t] = await sql`SELECT to_regclass('ledger') AS t`;
    expect(t!.t).toBeNull();
    await sql.end();
  });

  it('roll a failing migration back whole, leaving the previous version', async () => {
    const sql = await freshDatabase();
    await migrate(sql);
    const broken: ServerMigration = { version: SERVER_MIGRATIONS.length + 1, name: 'half broken', up: 'ALTER TABLE ledger ADD COLUMN note text; SELECT no_such_function()' };
    await expect(migrate(sql, [...SERVER_MIGRATIONS, broken])).rejects.toThrow(/no_such_function/);
    const cols = await sql`SELECT column_name FROM information_schema.columns WHERE table_name = 'ledger' AND column_name = 'note'`;
    expect(cols).toHaveLength(0);
    expect((await sql`SELECT max(version) AS v FROM ${sql(MIGRATIONS_TABLE)}`)[0]!.v).toBe(SERVER_MIGRATIONS.length);
    await sql.end();
  });

  it('let several server instances start at once: one applies, the others go on', async () => {
    const sql = await freshDatabase();
    const others = Array.from({ length: 5 }, () => sql.another());
    const counts = await Promise.all([sql, ...others].map((c) => migrate(c, [...SERVER_MIGRATIONS, extra])));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(SERVER_MIGRATIONS.length + 1);
    expect((await sql`SELECT count(*)::int AS n FROM ${sql(MIGRATIONS_TABLE)}`)[0]!.n).toBe(SERVER_MIGRATIONS.length + 1);
    await Promise.all([sql, ...others].map((c) => c.end()));
  });
});
