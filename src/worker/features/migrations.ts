/**
 * Schema migrations: a checked list, a bookkeeping table, and the plan that
 * takes the database from the version it has to the one asked for. Running
 * a step (one transaction per migration, persisted like any commit) is the
 * host's job; this module decides and verifies.
 */
import { StoreError } from '../../shared/errors';
import type { Migration } from '../../shared/types';
import type { Engine } from '../sql/engine';
import { sha256Hex } from '../../shared/hash';
import type { Sql } from '../../shared/types';

/** The bookkeeping table: one row per applied migration. */
export const MIGRATIONS_TABLE = 'pacioli_migrations';

/** Creates the bookkeeping table; also builds the reference schema a backup is checked against. */
export const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
  version INTEGER PRIMARY KEY CHECK (version > 0),
  name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  applied_at TEXT NOT NULL
) STRICT`;

/** A migration with the checksum of its `up` SQL. */
export interface CheckedMigration extends Migration {
  checksum: string;
}

/** A row of the bookkeeping table. */
export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  applied_at: string;
}

/** Validates the list before anything runs: versions strictly increasing positive integers, names and SQL present. */
export async function checkMigrations(list: readonly Migration[] | undefined): Promise<CheckedMigration[]> {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new StoreError('INVALID_ARGUMENT', 'migrations must be an array');
  const out: CheckedMigration[] = [];
  let previous = 0;
  for (const [i, m] of list.entries()) {
    const where = `migration #${i + 1}`;
    if (typeof m !== 'object' || m === null) throw new StoreError('INVALID_ARGUMENT', `${where} is not an object`);
    if (!Number.isSafeInteger(m.version) || m.version <= 0) throw new StoreError('INVALID_ARGUMENT', `${where} needs a positive integer version`);
    if (m.version <= previous) {
      throw new StoreError('INVALID_ARGUMENT', `${where} (version ${m.version}) must come after version ${previous}: versions are unique and increasing`);
    }
    if (typeof m.name !== 'string' || m.name.trim() === '') throw new StoreError('INVALID_ARGUMENT', `${where} needs a name`);
    if (typeof m.up !== 'string' || m.up.trim() === '') throw new StoreError('INVALID_ARGUMENT', `${where} (${m.name}) needs up SQL`);
    if (m.down !== undefined && typeof m.down !== 'string') throw new StoreError('INVALID_ARGUMENT', `${where} (${m.name}): down must be SQL text`);
    previous = m.version;
    out.push({ version: m.version, name: m.name, up: m.up, ...(m.down === undefined ? {} : { down: m.down }), checksum: await sha256Hex(m.up) });
  }
  return out;
}

/** The applied migrations, oldest first (none when the bookkeeping table does not exist yet). */
export function appliedMigrations(engine: Pick<Sql, 'query'>): AppliedMigration[] {
  const exists = engine.query(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?`, [MIGRATIONS_TABLE]);
  if (exists.length === 0) return [];
  return engine.query(`SELECT version, name, checksum, applied_at FROM ${MIGRATIONS_TABLE} ORDER BY version`) as unknown as AppliedMigration[];
}

/** One step of a plan. */
export interface Step {
  direction: 'up' | 'down';
  migration: CheckedMigration;
}

/**
 * The steps from what is applied to `target`. Refuses an applied migration
 * whose SQL changed (`MIGRATION_CHECKSUM`), a database ahead of the code
 * (`SCHEMA_AHEAD`), and a backward step without `down` (`MIGRATION_FAILED`).
 */
export function plan(known: readonly CheckedMigration[], applied: readonly AppliedMigration[], target: number): Step[] {
  const byVersion = new Map(known.map((m) => [m.version, m]));
  for (const a of applied) {
    const m = byVersion.get(a.version);
    if (!m) {
      throw new StoreError('SCHEMA_AHEAD', `the database has migration ${a.version} (${a.name}), which this code does not know: reload to get newer code`);
    }
    if (m.checksum !== a.checksum) {
      throw new StoreError('MIGRATION_CHECKSUM', `migration ${a.version} (${a.name}) was applied with different SQL; applied migrations must never change`);
    }
  }
  const current = applied.at(-1)?.version ?? 0;
  if (target !== 0 && !byVersion.has(target)) throw new StoreError('INVALID_ARGUMENT', `there is no migration with version ${target}`);
  if (target >= current) {
    return known.filter((m) => m.version > current && m.version <= target).map((migration) => ({ direction: 'up', migration }));
  }
  const steps: Step[] = applied
    .filter((a) => a.version > target)
    .reverse()
    .map((a) => ({ direction: 'down', migration: byVersion.get(a.version)! }));
  const missing = steps.find((s) => s.migration.down === undefined);
  if (missing) {
    throw new StoreError('MIGRATION_FAILED', `migration ${missing.migration.version} (${missing.migration.name}) has no down SQL; cannot go back to version ${target}`);
  }
  return steps;
}

/** Runs one step inside the engine's open transaction; a failure is `MIGRATION_FAILED` with SQLite's message. */
export function runStep(engine: Engine, step: Step): void {
  const m = step.migration;
  try {
    if (step.direction === 'up') {
      engine.run(CREATE_TABLE);
      engine.run(m.up);
      engine.run(`INSERT INTO ${MIGRATIONS_TABLE}(version, name, checksum, applied_at) VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`, [
        m.version,
        m.name,
        m.checksum,
      ]);
    } else {
      engine.run(m.down!);
      engine.run(`DELETE FROM ${MIGRATIONS_TABLE} WHERE version = ?`, [m.version]);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new StoreError('MIGRATION_FAILED', `migration ${m.version} (${m.name}) ${step.direction} failed: ${message}`, { cause: error });
  }
}

/** The version the database is at: the highest applied migration, or 0. */
export function currentVersion(engine: Engine): number {
  return appliedMigrations(engine).at(-1)?.version ?? 0;
}


/** What running a plan needs from the host. */
export interface MigrationHost {
  engine(): Engine;
  /** Persists and commits the engine's open transaction (rolls back and throws on failure). */
  commitOpen(): Promise<void>;
  /** Keeps a restorable copy of the current state. */
  checkpoint(reason: string, schemaVersion: number): Promise<void>;
}

/**
 * Brings the database to `target`, one transaction per migration, each
 * persisted before the next starts: a failure leaves every earlier step
 * applied and the failing one rolled back. Returns how many steps ran.
 */
export async function migrate(host: MigrationHost, known: readonly CheckedMigration[], target: number): Promise<number> {
  const applied = appliedMigrations(host.engine());
  const steps = plan(known, applied, target);
  if (steps.length === 0) return 0;
  const current = applied.at(-1)?.version ?? 0;
  const userTables = host.engine().query(`SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`);
  if (Number(userTables[0]?.n) > 0) await host.checkpoint(`before migrating from version ${current} to ${target}`, current);
  for (const step of steps) {
    const engine = host.engine();
    engine.begin();
    try {
      runStep(engine, step);
    } catch (error) {
      engine.rollback();
      throw error;
    }
    await host.commitOpen();
  }
  return steps.length;
}
