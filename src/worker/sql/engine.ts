/**
 * The engine: one sql.js database, exact values in and out, store-owned
 * transactions, and change capture for persistence. Synchronous and free of
 * Comlink and IndexedDB, so it runs the same in a worker and in Node tests.
 */
import type { Database, Statement } from 'sql.js';
import { fromSqlite, StoreError } from '../../shared/errors';
import { unpackRows, type PackedRows } from '../../shared/rows';
import { stage } from '../../shared/stages';
import type { RunResult, SqlParams, SqlValue } from '../../shared/types';
import { ChangeCapture } from './capture';
import { encodeEntry } from './codec';
import { openDatabase } from './open-db';
import { replayEntries } from './replay';
import { pragmaSet, splitStatements, statementKind, tokenize, type StatementText, type Token } from './lexer';
import { adopted } from './adopted-image';
import { getBigIntRow, type SqlJs } from './sqljs';
import { bindParams, normalizeInt, readRow } from './values';

/** What a transaction leaves to persist. */
export type Pending =
  | { kind: 'none' }
  | { kind: 'log'; entry: Uint8Array; tables: string[] }
  | { kind: 'snapshot'; reason: string };

/** PRAGMAs the store owns: changing them would break durability or integrity. */
const OWNED_PRAGMAS = new Set(['foreign_keys', 'journal_mode', 'locking_mode', 'writable_schema', 'legacy_file_format', 'temp_store']);
const MAX_CACHED = 64;

export class Engine {
  private db: Database;
  /** Made at the first store transaction (`capture`), not at open. */
  private made: ChangeCapture | undefined;
  private cache = new Map<string, Statement>();
  private parsed = new Map<string, StatementText[]>();
  private lastRowid: Statement;
  private inTx = false;
  private txAborted = false;
  private schemaTouched = false;

  /** `adopt`: the engine may keep `image`'s memory as its file instead of copying it (the caller lets go of it). */
  constructor(
    private readonly sql: SqlJs,
    image?: Uint8Array,
    options: { adopt?: boolean } = {},
  ) {
    this.db = openDatabase(sql, image && options.adopt ? adopted(image) : image);
    this.lastRowid = this.db.prepare('SELECT last_insert_rowid()');
  }

  /**
   * The change capture, made when a store transaction first needs it: every
   * write runs in one, and `begin()` asks for it before its BEGIN (the capture
   * makes TEMP triggers, which a rollback would otherwise take with it). Made
   * at open, it took 6 ms (Chromium) and 9 ms (Firefox) of a 1 MB cold open
   * before the first query's answer, reading every table's shape.
   */
  private get capture(): ChangeCapture {
    return (this.made ??= new ChangeCapture(this.sql, this.db));
  }

  /** True when the schema has foreign keys checked at COMMIT (`DEFERRABLE INITIALLY DEFERRED`): a commit may then still fail. */
  get checksAtCommit(): boolean {
    return this.capture.deferredKeys;
  }

  /** Whether a store transaction is open. */
  get inTransaction(): boolean {
    return this.inTx;
  }

  /** Runs one or more statements; with params, exactly one. Returns the last statement's rows. */
  query(sql: string, params?: SqlParams): Record<string, SqlValue>[] {
    return unpackRows(this.queryPacked(sql, params));
  }

  /** `query`, its rows packed as they cross to the page (shared/rows.ts). */
  queryPacked(sql: string, params?: SqlParams): PackedRows {
    let rows: PackedRows = { columns: [], values: [] };
    this.each(sql, params, (stmt) => {
      // Column names only after the first step: a cached statement is re-prepared for a
      // changed schema when it is stepped, and before that it still reports the old columns.
      let columns: string[] | undefined;
      const values: SqlValue[] = [];
      while (stmt.step()) {
        columns ??= stmt.getColumnNames();
        for (const v of readRow(stmt)) values.push(v);
      }
      columns ??= stmt.getColumnNames();
      if (columns.length > 0) rows = { columns, values };
    });
    return rows;
  }

  /** Runs one or more statements; reports the last one's changes and the last inserted rowid. */
  run(sql: string, params?: SqlParams): RunResult {
    let changes = 0;
    this.each(sql, params, (stmt) => {
      while (stmt.step()); // RETURNING rows are not wanted here
      changes = this.db.getRowsModified();
    });
    this.lastRowid.step();
    const id = getBigIntRow(this.lastRowid)[0] as bigint;
    this.lastRowid.reset();
    return { changes, lastInsertRowid: normalizeInt(id) };
  }

  private each(sql: string, params: SqlParams | undefined, use: (stmt: Statement) => void): void {
    if (typeof sql !== 'string') throw new StoreError('INVALID_ARGUMENT', 'sql must be a string');
    if (this.txAborted) throw new StoreError('SQL_ERROR', 'SQLite rolled this transaction back after an earlier error');
    const statements = this.parse(sql);
    if (statements.length === 0) throw new StoreError('INVALID_ARGUMENT', 'no SQL statement given');
    if (statements.length > 1 && params !== undefined) {
      throw new StoreError('INVALID_ARGUMENT', 'parameters need exactly one statement; this SQL has ' + statements.length);
    }
    if (!this.inTx && !this.isReadOnly(statements)) throw new StoreError('SQL_ERROR', 'internal: write outside a store transaction');
    for (const st of statements) this.execOne(st, params, use);
  }

  /** True when every statement of `sql` is a read, which may run outside a transaction. */
  readOnly(sql: string): boolean {
    return typeof sql === 'string' && this.isReadOnly(this.parse(sql));
  }

  private isReadOnly(statements: readonly StatementText[]): boolean {
    return statements.every((st) => statementKind(st.tokens) === 'read');
  }

  private parse(sql: string): StatementText[] {
    let statements = this.parsed.get(sql);
    if (!statements) {
      statements = splitStatements(sql, tokenize(sql));
      if (this.parsed.size >= MAX_CACHED * 4) this.parsed.clear();
      this.parsed.set(sql, statements);
    }
    return statements;
  }

  private execOne(st: StatementText, params: SqlParams | undefined, use: (stmt: Statement) => void): void {
    const kind = statementKind(st.tokens);
    if (kind === 'transaction') {
      throw new StoreError('INVALID_ARGUMENT', 'BEGIN, COMMIT, ROLLBACK and SAVEPOINT belong to the store: use store.transaction()');
    }
    if (OWNED_PRAGMAS.has(pragmaSet(st) ?? '')) {
      throw new StoreError('INVALID_ARGUMENT', `this PRAGMA is managed by the store and cannot be changed: ${st.text.trim()}`);
    }
    const first = st.tokens[0]?.text;
    if (first === 'ATTACH' || first === 'DETACH') {
      throw new StoreError('INVALID_ARGUMENT', 'attached databases are not persisted; ATTACH and DETACH are not supported');
    }
    const bound = bindParams(st.text, st.tokens, params);
    const execute = () => {
      const stmt = this.statement(bound.sql);
      try {
        if (bound.values) stmt.bind(bound.values);
        use(stmt);
      } finally {
        stmt.reset();
      }
    };
    try {
      if (kind === 'schema') {
        // A DDL statement that changed nothing (CREATE TABLE IF NOT EXISTS on every app start,
        // CREATE TEMP …) must not cost a full snapshot: the schema cookie tells.
        const ddl = first === 'CREATE' || first === 'DROP' || first === 'ALTER';
        const before = ddl ? this.schemaVersion() : undefined;
        execute();
        if (before === undefined || this.schemaVersion() !== before) {
          this.schemaTouched = true;
          this.capture.snapshotReason ??= `schema or database change (${first ?? '?'})`;
        }
      } else if (kind === 'write') {
        this.capture.captureWrite(st.tokens as Token[], execute);
      } else {
        execute();
      }
    } catch (error) {
      this.checkStillInTransaction();
      throw fromSqlite(error);
    }
  }

  private schemaVersion(): number {
    return this.db.exec('PRAGMA main.schema_version')[0]!.values[0]![0] as number;
  }

  private statement(sql: string): Statement {
    const hit = this.cache.get(sql);
    if (hit) {
      this.cache.delete(sql); // re-insert: Map order is the LRU order
      this.cache.set(sql, hit);
      return hit;
    }
    const stmt = this.db.prepare(sql);
    this.cache.set(sql, stmt);
    if (this.cache.size > MAX_CACHED) {
      const [oldest, old] = this.cache.entries().next().value as [string, Statement];
      this.cache.delete(oldest);
      old.free();
    }
    return stmt;
  }

  /** Some errors (RAISE(ROLLBACK), SQLITE_FULL) end the transaction inside SQLite; notice it. */
  private checkStillInTransaction(): void {
    try {
      this.db.exec('BEGIN');
    } catch {
      return; // "cannot start a transaction within a transaction": still ours
    }
    this.db.exec('ROLLBACK');
    this.txAborted = true;
  }

  /** Opens a store transaction. */
  begin(): void {
    stage('commit:sql-start');
    if (this.inTx) throw new StoreError('SQL_ERROR', 'internal: a store transaction is already open');
    const capture = this.capture; // before BEGIN: see `capture`
    this.db.exec('BEGIN');
    this.inTx = true;
    this.txAborted = false;
    this.schemaTouched = false;
    capture.reset();
  }

  /** What the open transaction must persist; reads row images, so call it before `commit()`. */
  pending(seq: number): Pending {
    if (this.txAborted) throw new StoreError('SQL_ERROR', 'SQLite rolled this transaction back after an earlier error');
    if (this.capture.snapshotReason) return { kind: 'snapshot', reason: this.capture.snapshotReason };
    stage('commit:sql-done');
    const tables = this.capture.collect();
    stage('commit:captured');
    if (this.capture.snapshotReason) return { kind: 'snapshot', reason: this.capture.snapshotReason };
    if (tables.length === 0) return { kind: 'none' };
    const entry = encodeEntry({ seq, tables });
    stage('commit:crc-done');
    return { kind: 'log', entry, tables: tables.map((t) => t.table) };
  }

  /** Commits in memory. Deferred foreign keys can still fail here: the transaction then stays open. */
  commit(): void {
    try {
      this.db.exec('COMMIT');
    } catch (error) {
      throw fromSqlite(error);
    }
    this.inTx = false;
    if (this.schemaTouched) this.made?.refreshSchema();
    stage('commit:mem-committed');
  }

  /** Rolls the open transaction back; harmless when none is open. */
  rollback(): void {
    if (!this.inTx) return;
    this.inTx = false;
    if (!this.txAborted) this.db.exec('ROLLBACK');
    this.txAborted = false;
    if (this.schemaTouched) this.made?.refreshSchema();
  }

  /**
   * The whole database file, without free pages where the database allows
   * it (stores created with incremental auto-vacuum). Not inside a write
   * transaction: sql.js refuses that.
   */
  export(): Uint8Array {
    if ((this.db.exec('PRAGMA freelist_count')[0]?.values[0]?.[0] as number) > 0) this.db.exec('PRAGMA incremental_vacuum');
    return this.db.export();
  }

  /** Applies log entries on top of the current image, as a load does (see replay.ts); returns the tables they touched. */
  replay(entries: readonly { seq: number; bytes: Uint8Array }[]): Set<string> {
    // These changes are durable already. A capture not made yet has no hook to silence: made later, it reads the schema then.
    const capture = this.made;
    if (capture) capture.enabled = false;
    try {
      return replayEntries(this.db, entries);
    } finally {
      if (capture) capture.enabled = true;
    }
  }

  /**
   * The tables a read would touch, from its bytecode (views and subqueries
   * included): what a live query must watch. Undefined when SQLite cannot
   * say (virtual tables), meaning "any table".
   */
  tablesRead(sql: string): string[] | undefined {
    const statements = this.parse(sql);
    if (statements.length !== 1 || statementKind(statements[0]!.tokens) !== 'read') {
      throw new StoreError('INVALID_ARGUMENT', 'a live query must be one read-only statement');
    }
    const stmt = this.db.prepare(`EXPLAIN ${statements[0]!.text}`);
    const roots = new Set<number>();
    try {
      while (stmt.step()) {
        const [, opcode, , p2, p3] = stmt.get() as [number, string, number, number, number];
        if (opcode === 'VOpen') return undefined;
        if ((opcode === 'OpenRead' || opcode === 'ReopenIdx') && p3 === 0) roots.add(p2);
      }
    } catch (error) {
      throw fromSqlite(error);
    } finally {
      stmt.free();
    }
    if (roots.size === 0) return [];
    const rows = this.db.exec(`SELECT DISTINCT tbl_name FROM sqlite_schema WHERE rootpage IN (${[...roots].join(',')})`);
    return (rows[0]?.values ?? []).map(([name]) => String(name));
  }

  /** Frees every statement and the database. */
  close(): void {
    for (const stmt of this.cache.values()) stmt.free();
    this.cache.clear();
    this.lastRowid.free();
    this.made?.dispose();
    this.db.close();
  }
}
