/**
 * Backups: a plain SQLite database file that carries a manifest, and the
 * checks that treat a file to restore as hostile. A candidate is only ever
 * opened in a scratch database with `trusted_schema=OFF`; nothing in it runs
 * before its schema is proven to be exactly the one known migrations make.
 */
import type { Database } from 'sql.js';
import { StoreError } from '../../shared/errors';
import type { BackupManifest as Manifest, Sql, SqlValue } from '../../shared/types';
import { backupChecksFor } from './backup-checks';
import { contentDigest, MANIFEST_TABLE } from './backup-digest';

export { MANIFEST_TABLE };
import { Engine } from '../sql/engine';
import { OUTCOMES_TABLE } from '../sql/internal-tables';
import { hex, sha256Hex } from '../../shared/hash';
import { appliedMigrations, CREATE_TABLE, migrate, type CheckedMigration } from './migrations';
import type { SqlJs } from '../sql/sqljs';

/** `PRAGMA application_id` of every Pacioli backup: "PCLI". */
export const APPLICATION_ID = 0x50434c49;
/** Refuse larger files before reading them. */
export const MAX_BACKUP_BYTES = 1024 * 1024 * 1024;

function invalid(reason: string, cause?: unknown): StoreError {
  return new StoreError('INVALID_BACKUP', `this backup cannot be restored: ${reason}`, { cause });
}

/** Where the 64 ASCII characters of `text` stand in `file`, if they stand there exactly once. */
function locate(file: Uint8Array, text: string): number {
  const needle = new TextEncoder().encode(text);
  let found = -1;
  outer: for (let i = file.indexOf(needle[0]!); i >= 0 && i <= file.length - needle.length; i = file.indexOf(needle[0]!, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (file[i + j] !== needle[j]) continue outer;
    if (found >= 0) return -1;
    found = i;
  }
  return found;
}

/** SHA-256 of `file` with the 64 bytes at `at` read as ASCII zeros. */
async function fileHash(file: Uint8Array, at: number): Promise<string> {
  const copy = file.slice();
  copy.fill(0x30, at, at + 64);
  return sha256Hex(copy);
}

/**
 * Builds the backup file from a database image: one committed state, taken
 * under the write lock. The digest is taken here, after the lock is let go.
 */
export async function buildBackup(sql: SqlJs, image: Uint8Array, store: string): Promise<Uint8Array> {
  const db = new sql.Database(image);
  try {
    const { sha256, rowCounts } = await contentDigest(db);
    const migrations = appliedMigrations(reader(db)).map(({ version, name, checksum }) => ({ version, name, checksum }));
    // A random stand-in, replaced in place by the file's hash once the file exists (same length, so nothing moves).
    const placeholder = hex(crypto.getRandomValues(new Uint8Array(32)));
    const manifest: Manifest = {
      format: 1,
      application: 'pacioli',
      store,
      createdAt: new Date().toISOString(),
      schemaVersion: migrations.at(-1)?.version ?? 0,
      migrations,
      rowCounts,
      contentSha256: sha256,
      fileSha256: placeholder,
    };
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    db.exec(`CREATE TABLE ${MANIFEST_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT`);
    db.run(`INSERT INTO ${MANIFEST_TABLE} VALUES ('manifest', ?)`, [JSON.stringify(manifest)]);
    const file = db.export();
    const at = locate(file, placeholder);
    if (at < 0) throw new StoreError('SQL_ERROR', 'internal: the backup manifest could not be sealed');
    file.set(new TextEncoder().encode(await fileHash(file, at)), at);
    return file;
  } finally {
    db.close();
  }
}

/** A raw sql.js database as the `query` side of the store's SQL interface. */
function reader(db: Database): Pick<Sql, 'query'> {
  return {
    query(text, params) {
      const result = db.exec(text, params as never)[0];
      return (result?.values ?? []).map((values) => Object.fromEntries(result!.columns.map((c, i) => [c, values[i] as SqlValue])));
    },
  };
}

// The store's own record of handed-over writes is no part of the app's schema: a store has it once a tab handed one over.
const SCHEMA_SQL = `SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT IN ('${MANIFEST_TABLE}', '${OUTCOMES_TABLE}') AND name NOT LIKE 'sqlite\\_autoindex%' ESCAPE '\\' ORDER BY type, name`;

function normalise(rows: readonly (readonly unknown[])[]): string[] {
  return rows.map((r) => r.map((v) => String(v ?? '').replace(/\s+/g, ' ').trim()).join(' | '));
}

/** The schema objects a database holds, as comparable text (the manifest table aside). */
function schemaOf(db: Database): string[] {
  return normalise(db.exec(SCHEMA_SQL)[0]?.values ?? []);
}

/** The live store's schema, for stores without migrations: a backup must have exactly it. */
export function liveSchema(engine: Engine): string[] {
  return normalise(engine.query(SCHEMA_SQL).map((r) => [r.type, r.name, r.tbl_name, r.sql]));
}

/** What a verified candidate holds. */
export interface Candidate {
  manifest: Manifest;
  /** The image to install (migrated forward when it was older), without the manifest. */
  image: Uint8Array;
  migrated: number;
  /** What the domains' checks found in it (see backup-checks.ts), e.g. `totalSupply`. */
  facts: Record<string, string>;
}

/**
 * Proves `data` is a backup this code may restore, or throws `INVALID_BACKUP`
 * (or `SCHEMA_AHEAD` for a newer one) with a reason a person can act on.
 * `referenceSchema` is the schema the candidate's version must have: built by
 * the known migrations, or the live store's when it has none.
 */
export async function verifyBackup(
  sql: SqlJs,
  data: Uint8Array,
  known: readonly CheckedMigration[],
  referenceSchema: (version: number) => string[],
): Promise<Candidate> {
  if (data.length < 512) throw invalid(`it is ${data.length} bytes, too small to be a database`);
  if (data.length > MAX_BACKUP_BYTES) throw invalid(`it is ${data.length} bytes, over the ${MAX_BACKUP_BYTES}-byte limit`);
  if (new TextDecoder().decode(data.subarray(0, 16)) !== 'SQLite format 3\u0000') throw invalid('it is not an SQLite database file');
  const pageSize = ((data[16]! << 8) | data[17]!) === 1 ? 65536 : (data[16]! << 8) | data[17]!;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0 || data.length % pageSize !== 0) throw invalid('its size does not match its page size (truncated?)');
  let db: Database;
  try {
    db = new sql.Database(data);
    db.exec('PRAGMA trusted_schema = OFF; PRAGMA foreign_keys = ON');
  } catch (error) {
    throw invalid('SQLite cannot open it', error);
  }
  try {
    const integrity = (() => {
      try {
        return db.exec('PRAGMA integrity_check')[0]?.values.map(([v]) => String(v)) ?? [];
      } catch (error) {
        return [(error as Error).message];
      }
    })();
    if (integrity.join() !== 'ok') throw invalid(`SQLite finds it damaged (${integrity.slice(0, 3).join('; ')})`);
    const appId = db.exec('PRAGMA application_id')[0]?.values[0]?.[0];
    if (appId !== APPLICATION_ID) throw invalid('it is not a Pacioli backup (its application id is different)');
    const manifest = readManifest(db);
    const at = locate(data, manifest.fileSha256);
    if (at < 0 || (await fileHash(data, at)) !== manifest.fileSha256) throw invalid('its bytes do not match the checksum in its manifest (damaged or edited)');
    const { sha256, rowCounts } = await contentDigest(db);
    if (sha256 !== manifest.contentSha256) throw invalid('its content does not match the checksum in its manifest');
    if (JSON.stringify(rowCounts) !== JSON.stringify(manifest.rowCounts)) throw invalid('its row counts do not match its manifest');
    const byVersion = new Map(known.map((m) => [m.version, m]));
    const newest = known.at(-1)?.version ?? 0;
    if (manifest.schemaVersion > newest) {
      throw new StoreError('SCHEMA_AHEAD', `this backup has schema version ${manifest.schemaVersion}, newer than this app's ${newest}: update the app first`);
    }
    for (const m of manifest.migrations) {
      if (byVersion.get(m.version)?.checksum !== m.checksum) throw invalid(`its migration ${m.version} (${m.name}) is not one this app knows`);
    }
    // Exactly the schema known migrations make: a planted trigger, view or table is refused here, before anything runs.
    db.exec(`DROP TABLE ${MANIFEST_TABLE}`);
    const expected = referenceSchema(manifest.schemaVersion);
    const actual = schemaOf(db);
    const extra = actual.filter((s) => !expected.includes(s));
    const missing = expected.filter((s) => !actual.includes(s));
    if (extra.length || missing.length) {
      const what = extra[0] ?? missing[0]!;
      throw invalid(`its schema differs from the one this app creates (${extra.length ? 'unexpected' : 'missing'}: ${what.split(' | ').slice(0, 2).join(' ')})`);
    }
    if (db.exec('PRAGMA foreign_key_check').length > 0) throw invalid('it has broken foreign keys');
    const checks = backupChecksFor(known);
    const facts: Record<string, string> = {};
    if (checks.length > 0) {
      const engine = new Engine(sql, db.export(), { adopt: true }); // a copy made for them alone
      try {
        for (const check of checks) {
          const { refusal, facts: found } = check.inspect(engine);
          if (refusal) throw invalid(refusal);
          Object.assign(facts, found);
        }
      } finally {
        engine.close();
      }
    }
    db.exec('PRAGMA application_id = 0');
    const image = db.export();
    if (manifest.schemaVersion === newest) return { manifest, image, migrated: 0, facts };
    return { manifest, facts, ...(await migrateForward(sql, image, known, newest)) };
  } finally {
    db.close();
  }
}

function readManifest(db: Database): Manifest {
  let raw: unknown;
  try {
    raw = db.exec(`SELECT value FROM ${MANIFEST_TABLE} WHERE key = 'manifest'`)[0]?.values[0]?.[0];
  } catch {
    throw invalid('it has no manifest');
  }
  let m: Manifest;
  try {
    m = JSON.parse(String(raw)) as Manifest;
  } catch {
    throw invalid('its manifest is not readable');
  }
  if (m?.format !== 1 || m.application !== 'pacioli' || !Number.isSafeInteger(m.schemaVersion) || !Array.isArray(m.migrations) || typeof m.contentSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(String(m.fileSha256))) {
    throw invalid('its manifest is incomplete');
  }
  return m;
}

/** The schema a fresh database has after applying `known` migrations up to `version`. */
export function migrationSchema(sql: SqlJs, known: readonly CheckedMigration[], version: number): string[] {
  const db = new sql.Database();
  try {
    db.exec('PRAGMA foreign_keys = ON');
    for (const m of known) {
      if (m.version > version) break;
      db.exec(m.up);
    }
    if (version > 0) db.exec(CREATE_TABLE);
    return schemaOf(db);
  } finally {
    db.close();
  }
}

/** Brings an older (verified) image to `version` in a scratch engine. */
async function migrateForward(sql: SqlJs, image: Uint8Array, known: readonly CheckedMigration[], version: number): Promise<{ image: Uint8Array; migrated: number }> {
  const engine = new Engine(sql, image, { adopt: true }); // the verified image is not used again
  try {
    const steps = { engine: () => engine, commitOpen: async () => (engine.pending(1), engine.commit()), checkpoint: async () => {} };
    const migrated = await migrate(steps, known, version);
    return { image: engine.export(), migrated };
  } catch (error) {
    throw error instanceof StoreError && error.code === 'MIGRATION_FAILED' ? invalid(`migrating it forward failed: ${error.message}`, error) : error;
  } finally {
    engine.close();
  }
}
