/**
 * Replaying the log: committed row images go back into a database, as a
 * load or a catch-up does. Entries come from this tab's own log or another
 * tab's announcement; they are durable already, so nothing here is
 * captured again.
 */
import type { Database, Statement } from 'sql.js';
import { fromSqlite, StoreError } from '../../shared/errors';
import { rowidAlias } from './capture';
import { decodeEntry, type TableChanges } from './codec';
import { quoteId } from './lexer';

/**
 * Applies log entries to `db` in one transaction and returns the tables
 * they touched. User triggers are set aside and foreign keys are off while
 * images go in: their effects are in the images already. Any failure rolls
 * the whole batch back and is `CORRUPT` (or SQLite's own error, mapped).
 */
export function replayEntries(db: Database, entries: readonly { seq: number; bytes: Uint8Array }[]): Set<string> {
  const touched = new Set<string>();
  if (entries.length === 0) return touched;
  db.exec('PRAGMA foreign_keys=OFF; BEGIN');
  const statements = new Map<string, Statement>(); // shared by the entries: preparing costs more than applying
  try {
    const triggers = db.exec(`SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'`)[0]?.values ?? [];
    for (const [name] of triggers) db.exec(`DROP TRIGGER main."${String(name).replaceAll('"', '""')}"`);
    for (const { seq, bytes } of entries) {
      const entry = decodeEntry(bytes, `log entry ${seq}`);
      if (entry.seq !== seq) throw new StoreError('CORRUPT', `log entry ${seq} is damaged: it says it is entry ${entry.seq}`);
      applyChanges(db, entry.tables, statements);
      for (const t of entry.tables) touched.add(t.table);
    }
    for (const [, sql] of triggers) db.exec(String(sql));
    db.exec('COMMIT');
    return touched;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error instanceof StoreError ? error : fromSqlite(error);
  } finally {
    for (const stmt of statements.values()) stmt.free();
    db.exec('PRAGMA foreign_keys=ON');
  }
}

/**
 * Applies decoded changes to `db`. The caller has turned foreign keys off
 * and dropped user triggers: these are committed images, and replaying them
 * must not cascade, fire triggers or be checked against half-applied state.
 * INSERT OR REPLACE resolves transient UNIQUE clashes between images (a
 * swap of two unique values) the only way that reaches the committed state.
 */
function applyChanges(db: Database, tables: readonly TableChanges[], statements: Map<string, Statement>): void {
  const prepare = (key: string, sql: () => string): Statement => {
    let stmt = statements.get(key);
    if (!stmt) statements.set(key, (stmt = db.prepare(sql())));
    return stmt;
  };
  for (const t of tables) {
    const target = `main.${quoteId(t.table)}`;
    const rowid = rowidAlias(t.columns);
    const columns = t.columns.map(quoteId).join(', ');
    try {
      if (t.deletes.length > 0) {
        const del = prepare(`delete\0${t.table}`, () => `DELETE FROM ${target} WHERE ${rowid} = CAST(? AS INTEGER)`);
        for (const id of t.deletes) del.run([integerParam(id)]);
      }
      for (const row of t.upserts) {
        const shape = row.values.map((v) => v.type[0]).join('');
        // Keyed by the column list too: entries written before and after an ALTER TABLE differ in it.
        const stmt = prepare(`upsert\0${t.table}\0${columns}\0${shape}`, () => {
          // TEXT arrives as its bytes: CAST(blob AS TEXT) stores exactly those bytes, valid UTF-8 or not.
          const params = row.values.map((v) => (v.type === 'integer' ? 'CAST(? AS INTEGER)' : v.type === 'real' ? 'CAST(? AS REAL)' : v.type === 'text' ? 'CAST(? AS TEXT)' : '?'));
          return `INSERT OR REPLACE INTO ${target}(${rowid}, ${columns}) VALUES (CAST(? AS INTEGER), ${params.join(', ')})`;
        });
        const params: (number | string | Uint8Array | null)[] = [integerParam(row.rowid)];
        for (const v of row.values) params.push(v.type === 'null' ? null : v.type === 'integer' ? integerParam(v.value) : v.value);
        stmt.run(params);
      }
    } catch (error) {
      throw new StoreError('CORRUPT', `replaying changes to table ${t.table} failed: ${(error as Error).message}`, { cause: error });
    }
  }
}

/**
 * An INTEGER as a parameter of `CAST(? AS INTEGER)`. The codec gives a
 * number only within ±(2^53 - 1), which sql.js binds as a 32-bit integer or
 * a double, both exact, and the CAST makes it an INTEGER again; a bigint
 * goes as its decimal text. (Every integer as text cost an allocation and a
 * UTF-8 copy in sql.js per value: most of a replayed row's values.)
 */
function integerParam(v: number | bigint): number | string {
  return typeof v === 'bigint' ? v.toString() : v;
}
