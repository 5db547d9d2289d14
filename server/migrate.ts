/**
 * Applies the server's migrations the way the client applies its own:
 * ordered, each in one transaction with a bookkeeping row holding the
 * SHA-256 of its SQL; an applied migration whose SQL changed, or a database
 * ahead of the code, stops the server before it serves anything.
 */
import { createHash } from 'node:crypto';
import type { Sql } from './db';
import { SERVER_MIGRATIONS, type ServerMigration } from './migrations';

/** The bookkeeping table. */
export const MIGRATIONS_TABLE = 'pacioli_server_migrations';

/** Why migrating refused to go on. */
export class MigrationError extends Error {
  constructor(
    readonly code: 'MIGRATION_CHECKSUM' | 'SCHEMA_AHEAD' | 'INVALID_MIGRATIONS',
    message: string,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** SHA-256 of a migration's SQL, hex. */
export function checksum(up: string): string {
  return createHash('sha256').update(up).digest('hex');
}

function checkList(list: readonly ServerMigration[]): void {
  let previous = 0;
  for (const m of list) {
    if (!Number.isSafeInteger(m.version) || m.version <= previous) {
      throw new MigrationError('INVALID_MIGRATIONS', `migration ${m.version} (${m.name}) must come after version ${previous}: versions are unique and increasing`);
    }
    previous = m.version;
  }
}

/** A one-row table whose row every migrating transaction locks first, so instances migrate one at a time. */
const LOCK_TABLE = 'pacioli_server_migration_lock';

async function ensureTables(sql: Sql): Promise<void> {
  for (const ddl of [
    `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
      version integer PRIMARY KEY CHECK (version > 0),
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE TABLE IF NOT EXISTS ${LOCK_TABLE} (id integer PRIMARY KEY CHECK (id = 1))`,
    `INSERT INTO ${LOCK_TABLE} (id) VALUES (1) ON CONFLICT DO NOTHING`,
  ]) {
    // Two instances creating the same table at the same instant: one of them may fail on a duplicate
    // (a catalog key, the relation or its row type). The other made it, so the statement is now a no-op: run it again.
    await sql.unsafe(ddl).catch((e: { code?: string }) => {
      if (e.code !== '23505' && e.code !== '42P07' && e.code !== '42710') throw e;
      return sql.unsafe(ddl);
    });
  }
}

/**
 * Brings the database to the newest migration in `list`; returns how many it
 * applied. Safe to run from several server instances at once: each migration
 * runs under the lock row and re-reads what is applied once it holds it.
 */
export async function migrate(sql: Sql, list: readonly ServerMigration[] = SERVER_MIGRATIONS): Promise<number> {
  checkList(list);
  await ensureTables(sql);
  const known = new Map(list.map((m) => [m.version, m]));
  let applied = 0;
  for (;;) {
    const more = await sql.begin(async (tx) => {
      await tx`SELECT id FROM ${tx(LOCK_TABLE)} WHERE id = 1 FOR UPDATE`;
      const rows = await tx<{ version: number; checksum: string }[]>`SELECT version, checksum FROM ${tx(MIGRATIONS_TABLE)} ORDER BY version`;
      for (const row of rows) {
        const m = known.get(row.version);
        if (!m) throw new MigrationError('SCHEMA_AHEAD', `the database has migration ${row.version}, which this server does not know: it is older than the schema`);
        if (checksum(m.up) !== row.checksum) {
          throw new MigrationError('MIGRATION_CHECKSUM', `migration ${m.version} (${m.name}) was changed after it was applied`);
        }
      }
      const done = new Set(rows.map((r) => r.version));
      const next = list.find((m) => !done.has(m.version));
      if (!next) return false;
      await tx.unsafe(next.up);
      await tx`INSERT INTO ${tx(MIGRATIONS_TABLE)} (version, name, checksum) VALUES (${next.version}, ${next.name}, ${checksum(next.up)})`;
      return true;
    });
    if (!more) return applied;
    applied++;
  }
}
