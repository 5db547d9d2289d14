/**
 * Change capture: which rows a transaction touched, read back as images at
 * commit, and applied again on load. SQLite's update hook misses some
 * changes; each gap is either closed or detected, and a detected gap makes
 * the transaction persist as a full snapshot instead (never a lost change):
 *  - UPDATE that moves a rowid: the hook reports only the new rowid, so a
 *    TEMP trigger reports the old one (closed).
 *  - WITHOUT ROWID tables and DELETE's truncate optimisation: not reported
 *    but counted by total_changes(); a mismatch is detected.
 *  - REPLACE conflict deletions: neither reported nor counted; statements
 *    and schemas that can REPLACE are recognised by the lexer.
 *  - DDL and PRAGMA writes: classified by the lexer.
 */
import type { Database, Statement } from 'sql.js';
import { StoreError } from '../../shared/errors';
import type { RowImage, TableChanges, TypedValue } from './codec';
import { mayReplace, quoteId, tokenize } from './lexer';
import { getBigIntRow, type SqlJs } from './sqljs';
import { normalizeInt } from './values';

interface TableInfo {
  columns: string[];
  /** How to name the rowid in SQL, or undefined when every alias is a column name. */
  rowid: string | undefined;
  select: string;
  /** `select`, prepared once per schema: preparing it on every commit cost a tenth of a millisecond per table. */
  stmt?: Statement;
}

const MOVED_FN = 'pacioli_rowid_moved';

export class ChangeCapture {
  private touched = new Map<string, Set<bigint>>();
  private hookEvents = 0;
  private tables = new Map<string, TableInfo>();
  private schemaMayReplace = false;
  private hookPtr = 0;
  private totalChanges: Statement;
  /** Why this transaction must persist as a full snapshot, if it must. */
  snapshotReason: string | undefined;
  /** Off while replaying the log: those changes are already durable. */
  enabled = true;
  /** Some table has deferred foreign keys, which SQLite checks only at COMMIT. */
  deferredKeys = false;
  /** The schema has AUTOINCREMENT tables, whose counters live in `sqlite_sequence` (which no hook reports). */
  private sequence: { stmt?: Statement } | undefined;

  constructor(
    private readonly sql: SqlJs,
    private readonly db: Database,
  ) {
    this.hookPtr = sql.addFunction((_ctx: number, _op: number, dbName: number, table: number, rowid: bigint) => {
      if (!this.enabled) return;
      this.hookEvents++;
      if (sql.UTF8ToString(dbName) !== 'main') return;
      this.touch(sql.UTF8ToString(table), BigInt(rowid));
    }, 'viiiij');
    // sql.js's own updateHook throws past 2^53 and loses precision; this one sees every rowid as a BigInt.
    sql._sqlite3_update_hook((db as unknown as { db: number }).db, this.hookPtr, 0);
    db.create_function(MOVED_FN, (table: string, rowid: string) => {
      if (this.enabled) this.touch(table, BigInt(rowid));
      return null;
    });
    this.totalChanges = db.prepare('SELECT total_changes()');
    this.refreshSchema();
  }

  private touch(table: string, rowid: bigint): void {
    let set = this.touched.get(table);
    if (!set) this.touched.set(table, (set = new Set()));
    set.add(rowid);
  }

  /** Reloads table shapes and the rowid-move triggers; call after any schema change. */
  refreshSchema(): void {
    this.freeStatements();
    this.tables.clear();
    this.schemaMayReplace = false;
    this.deferredKeys = false;
    this.sequence = this.db.exec(`SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence'`).length > 0 ? {} : undefined;
    const rows = this.db.exec(
      `SELECT type, name, sql FROM sqlite_schema WHERE type IN ('table','trigger') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`,
    )[0]?.values ?? [];
    const temp = this.db.exec(`SELECT name FROM sqlite_temp_schema WHERE type = 'trigger' AND name LIKE 'pacioli\\_moved\\_%' ESCAPE '\\'`);
    for (const [name] of temp[0]?.values ?? []) this.db.exec(`DROP TRIGGER temp.${quoteId(String(name))}`);
    for (const [type, name, sql] of rows) {
      const text = String(sql ?? '');
      if (mayReplace(tokenize(text))) this.schemaMayReplace = true;
      if (/\bDEFERRABLE\s+INITIALLY\s+DEFERRED\b/i.test(text)) this.deferredKeys = true; // a false match in a literal only costs speed
      if (type !== 'table' || /^\s*CREATE\s+VIRTUAL\b/i.test(text)) continue;
      const table = String(name);
      const cols = this.db.exec(`SELECT name, hidden FROM pragma_table_xinfo(?)`, [table])[0]?.values ?? [];
      const columns = cols.filter(([, hidden]) => hidden === 0).map(([n]) => String(n));
      const rowid = rowidAlias(columns);
      const typeCodes = columns.map((c) => `substr(typeof(${quoteId(c)}),1,1)`).join('||');
      const select = `SELECT ${typeCodes}, ${columns.map(quoteId).join(', ')} FROM main.${quoteId(table)} WHERE ${rowid} = CAST(? AS INTEGER)`;
      this.tables.set(table, { columns, rowid, select });
      if (!rowid) continue;
      const literal = `'${table.replaceAll("'", "''")}'`;
      try {
        this.db.exec(
          `CREATE TEMP TRIGGER ${quoteId(`pacioli_moved_${table}`)} AFTER UPDATE ON main.${quoteId(table)} ` +
            `WHEN OLD.${rowid} IS NOT NEW.${rowid} BEGIN SELECT ${MOVED_FN}(${literal}, CAST(OLD.${rowid} AS TEXT)); END`,
        );
      } catch {
        // A WITHOUT ROWID table has no rowid to move; the hook does not see it
        // either, and captureWrite's change count catches its writes.
      }
    }
  }

  /** Starts a transaction's capture. */
  reset(): void {
    this.touched.clear();
    this.snapshotReason = undefined;
  }

  private readTotalChanges(): number {
    this.totalChanges.step();
    const n = this.totalChanges.get()[0] as number;
    this.totalChanges.reset();
    return n;
  }

  /** Wraps one write statement, and notes if its changes cannot be captured row by row. */
  captureWrite<T>(tokens: ReturnType<typeof tokenize>, execute: () => T): T {
    if (this.snapshotReason) return execute();
    if (this.schemaMayReplace) this.snapshotReason = 'the schema has REPLACE conflict clauses';
    else if (mayReplace(tokens)) this.snapshotReason = 'REPLACE conflict resolution';
    const before = this.readTotalChanges();
    const events = this.hookEvents;
    try {
      return execute();
    } finally {
      if (!this.snapshotReason && this.readTotalChanges() - before !== this.hookEvents - events) {
        this.snapshotReason = 'changes the update hook does not report (WITHOUT ROWID table or truncate)';
      }
    }
  }

  /** Reads the images of every touched row; call inside the transaction, before COMMIT. */
  collect(): TableChanges[] {
    const out: TableChanges[] = [];
    for (const [table, rowids] of this.touched) {
      const info = this.tables.get(table);
      if (!info?.rowid) {
        this.snapshotReason = `table ${table} cannot be captured row by row`;
        return [];
      }
      const stmt = (info.stmt ??= this.db.prepare(info.select));
      const deletes: (number | bigint)[] = [];
      const upserts: RowImage[] = [];
      try {
        for (const rowid of rowids) {
          stmt.bind([rowid.toString()]);
          if (stmt.step()) upserts.push({ rowid: normalizeInt(rowid), values: this.typedRow(stmt) });
          else deletes.push(normalizeInt(rowid));
          stmt.reset();
        }
      } finally {
        stmt.reset();
      }
      out.push({ table, columns: info.columns, deletes, upserts });
    }
    const counters = this.sequenceRows(this.touched.keys());
    if (counters) out.push(counters);
    return out;
  }

  /**
   * The AUTOINCREMENT counters of the touched tables. SQLite keeps them in
   * `sqlite_sequence` and reports changes there to no hook; without them a
   * row inserted and deleted in one transaction would leave no trace, and
   * another tab (or a reload) would hand out its id again.
   */
  private sequenceRows(tables: Iterable<string>): TableChanges | undefined {
    if (!this.sequence) return undefined;
    const stmt = (this.sequence.stmt ??= this.db.prepare('SELECT rowid, seq FROM sqlite_sequence WHERE name = ?'));
    const upserts: RowImage[] = [];
    try {
      for (const table of tables) {
        stmt.bind([table]);
        if (stmt.step()) {
          const [rowid, seq] = getBigIntRow(stmt) as [bigint, bigint];
          upserts.push({ rowid: normalizeInt(rowid), values: [{ type: 'text', value: table }, { type: 'integer', value: normalizeInt(seq) }] });
        }
        stmt.reset();
      }
    } finally {
      stmt.reset();
    }
    return upserts.length > 0 ? { table: 'sqlite_sequence', columns: ['name', 'seq'], deletes: [], upserts } : undefined;
  }

  private typedRow(stmt: Statement): TypedValue[] {
    let row: unknown[] = stmt.get();
    const codes = String(row[0]);
    if (row.some((v, i) => i > 0 && codes[i - 1] === 'i' && !Number.isSafeInteger(v))) row = getBigIntRow(stmt);
    const values: TypedValue[] = [];
    for (let i = 1; i < row.length; i++) {
      const v = row[i];
      switch (codes[i - 1]) {
        case 'i':
          values.push({ type: 'integer', value: typeof v === 'bigint' ? normalizeInt(v) : (v as number) });
          break;
        case 'r':
          values.push({ type: 'real', value: v as number });
          break;
        case 't':
          values.push({ type: 'text', value: v as string });
          break;
        case 'b':
          values.push({ type: 'blob', value: v as Uint8Array });
          break;
        default:
          values.push({ type: 'null' });
      }
    }
    return values;
  }

  private freeStatements(): void {
    for (const info of this.tables.values()) info.stmt?.free();
    this.sequence?.stmt?.free();
  }

  /** Frees what capture holds in SQLite and in the function table. */
  dispose(): void {
    this.freeStatements();
    this.totalChanges.free();
    this.sql._sqlite3_update_hook((this.db as unknown as { db: number }).db, 0, 0);
    this.sql.removeFunction(this.hookPtr);
  }
}

/**
 * Applies decoded changes to `db`. The caller has turned foreign keys off
 * and dropped user triggers: these are committed images, and replaying them
 * must not cascade, fire triggers or be checked against half-applied state.
 * INSERT OR REPLACE resolves transient UNIQUE clashes between images (a
 * swap of two unique values) the only way that reaches the committed state.
 */
export function applyChanges(db: Database, tables: readonly TableChanges[], statements: Map<string, Statement>): void {
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
        for (const id of t.deletes) del.run([id.toString()]);
      }
      for (const row of t.upserts) {
        const shape = row.values.map((v) => v.type[0]).join('');
        // Keyed by the column list too: entries written before and after an ALTER TABLE differ in it.
        const stmt = prepare(`upsert\0${t.table}\0${columns}\0${shape}`, () => {
          const params = row.values.map((v) => (v.type === 'integer' ? 'CAST(? AS INTEGER)' : v.type === 'real' ? 'CAST(? AS REAL)' : '?'));
          return `INSERT OR REPLACE INTO ${target}(${rowid}, ${columns}) VALUES (CAST(? AS INTEGER), ${params.join(', ')})`;
        });
        stmt.run([
          row.rowid.toString(),
          ...row.values.map((v) => (v.type === 'null' ? null : v.type === 'integer' ? v.value.toString() : v.value)),
        ]);
      }
    } catch (error) {
      throw new StoreError('CORRUPT', `replaying changes to table ${t.table} failed: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** The first rowid alias that no column shadows; undefined when a table uses all three as column names. */
function rowidAlias(columns: readonly string[]): string | undefined {
  const names = new Set(columns.map((c) => c.toLowerCase()));
  return ['rowid', '_rowid_', 'oid'].find((a) => !names.has(a));
}
