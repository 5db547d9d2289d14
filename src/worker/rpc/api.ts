/**
 * The worker side of a store: the API the page calls. Calls of this tab
 * run in turn (a FIFO mutex); writes go through the writer (writer.ts),
 * serializable across tabs and durable when they resolve. Memory is never
 * ahead of disk.
 */
import { ledgerOps, READ_OPS, type LedgerOpName, type LedgerOps } from '../../ledger/operations';
import { StoreError } from '../../shared/errors';
import { Mutex } from '../../shared/mutex';
import type { Durability, Migration, RunResult, SqlParams, SqlValue, StoreStats } from '../../shared/types';
import { createBackupApi } from '../features/backups';
import { holdWhileAlive } from './boundary';
import { checkTabSupport, TabSync } from '../tabs/lease';
import { DurableDb, type ChangeNotice } from '../replica';
import type { Engine } from '../sql/engine';
import { checkMigrations, currentVersion, migrate, type CheckedMigration } from '../features/migrations';
import { Persistence } from '../idb/layout';
import { createRecoveryApi } from '../features/recovery';
import { RecoveryCopy, storageLost } from '../features/recovery-copy';
import type { SqlJs } from '../sql/sqljs';
import { Writer } from '../commit';

/** What the page passes to `open`. */
export interface HostOptions {
  name: string;
  durability: Durability;
  txTimeoutMs: number;
  compactAfterBytes: number;
  migrations: readonly Migration[] | undefined;
  autoMigrate: boolean;
  /** How many checkpoints to keep, and how often to take one when something changed (0: only before migrations and restores). */
  keepCheckpoints: number;
  checkpointEveryMs: number;
}

/** What `open` reports back to the page. */
export interface OpenInfo {
  schemaVersion: number;
  /** Migrations applied by this open. */
  migrated: number;
  /** The database has migrations this code does not know: writes fail with SCHEMA_AHEAD. */
  schemaAhead: boolean;
}

/** What the worker pushes to its page. */
export type HostEvent = { type: 'change'; notice: ChangeNotice } | { type: 'schema-ahead' };

type Rows = Record<string, SqlValue>[];
/** A ledger operation's arguments, without the engine. */
type LedgerArgs<K extends LedgerOpName> = LedgerOps[K] extends (e: Engine, ...a: infer A) => unknown ? A : never;

/** Builds the API the worker exposes; `loadSql` supplies sql.js (the worker entry knows where its wasm is). */
export function createWorkerApi(loadSql: () => Promise<SqlJs>) {
  const mutex = new Mutex();
  let options: HostOptions | undefined;
  let db: DurableDb | undefined;
  let persistence: Persistence | undefined;
  let recovery: RecoveryCopy | undefined;
  let sync: TabSync | undefined;
  let closed = false;
  let known: CheckedMigration[] = [];
  let schemaAhead = false;
  let listener: (event: HostEvent) => void = () => {};
  /** Whether the page has live queries: change events cost two messages per commit in every tab, so only then. */
  let watching = false;
  let sqlJs: SqlJs | undefined;
  let checkpointTimer: ReturnType<typeof setInterval> | undefined;
  let checkpointedAt = -1;

  function ready(): DurableDb {
    if (closed) throw new StoreError('CLOSED', 'the store is closed');
    if (!db || !options) throw new StoreError('CLOSED', 'the store is not open');
    if (db.broken) throw db.broken;
    return db;
  }

  const lockWait = () => Math.max(2 * options!.txTimeoutMs, 5000);

  const writer = new Writer({
    mutex,
    ready,
    current: () => (closed || !db || db.broken ? undefined : db),
    sync: () => sync!,
    lockWaitMs: lockWait,
    txTimeoutMs: () => options!.txTimeoutMs,
    guardWrite: (write) => guardWrite(write),
    checkSchema: () => checkSchema(),
  });

  /** After another tab migrated: does this code still know the schema? */
  function checkSchema(): void {
    if (schemaAhead || known.length === 0 || !db) return;
    if (currentVersion(db.engine) > known.at(-1)!.version) {
      schemaAhead = true;
      listener({ type: 'schema-ahead' });
    }
  }

  /** Old code against a newer schema may read, never write. */
  function guardWrite(write: boolean): void {
    if (schemaAhead && write) throw new StoreError('SCHEMA_AHEAD', 'the database was migrated by newer code: reload the page before writing');
  }

  /** Keeps a restorable copy of the current state (call in turn). */
  async function checkpoint(reason: string): Promise<void> {
    const d = ready();
    await persistence!.saveCheckpoint(d.engine.export(), { reason, schemaVersion: currentVersion(d.engine) }, options!.keepCheckpoints);
    checkpointedAt = d.seq;
  }

  const migrationHost = {
    engine: () => ready().engine,
    commitOpen: () => ready().commitOpen(),
    checkpoint: (reason: string) => checkpoint(reason),
  };

  /** Applies migrations up to `target` under the write lock: with several tabs, one applies, the others see it done. */
  function migrateLocked(target: number): Promise<number> {
    return writer.withLock(async () => {
      await writer.catchUpLocked(ready());
      try {
        const applied = await migrate(migrationHost, known, target);
        if (applied > 0) writer.afterCommit(ready());
        return applied;
      } catch (error) {
        if (error instanceof StoreError && error.code === 'SCHEMA_AHEAD') schemaAhead = true;
        throw error;
      }
    });
  }

  const backups = createBackupApi({
    mutex,
    ready,
    sqlJs: () => sqlJs!,
    known: () => known,
    persistence: () => persistence!,
    name: () => options!.name,
    exclusive: (fn, options) => writer.exclusive(fn, options),
    checkpoint,
    afterCommit: (d) => writer.afterCommit(d),
  });

  /**
   * IndexedDB held nothing of this store at open: new, or lost? The record
   * in OPFS tells. (Read again after the record: a tab that created the
   * store meanwhile wrote IndexedDB before the record.)
   */
  async function checkNotLost(d: DurableDb, p: Persistence, r: RecoveryCopy, name: string): Promise<void> {
    const record = await r.read();
    if (!record || record.seq <= 0) return;
    const again = await p.readLog(0);
    if (!again.meta && again.entries.length === 0) throw storageLost(name, record, (await r.newest())?.info);
    await d.load();
  }

  return {
    ...backups,
    ...createRecoveryApi(loadSql),

    /** Loads the durable state and applies migrations; fails with `CORRUPT` naming what is damaged. */
    async open(opts: HostOptions): Promise<OpenInfo> {
      if (options) throw new StoreError('INVALID_ARGUMENT', 'this worker already serves a store');
      checkTabSupport();
      known = await checkMigrations(opts.migrations); // a bad list fails before anything runs
      options = opts;
      return mutex.run(async () => {
        persistence = new Persistence(opts.name, opts.durability);
        // Reading (and checking) the stored state and compiling sql.js's wasm overlap: a cold open pays the longer, not both.
        const read = persistence.load();
        read.catch(() => undefined); // awaited below; a failure surfaces there
        try {
          sqlJs = await loadSql();
        } catch (error) {
          persistence.close();
          throw error;
        }
        db = new DurableDb(sqlJs, persistence, opts.compactAfterBytes);
        recovery = new RecoveryCopy(opts.name);
        const copies = recovery;
        db.onChange = (notice) => {
          if (notice.seq > 0) copies.noteSeq(notice.seq);
          if (watching) listener({ type: 'change', notice });
        };
        db.onSnapshot = (seq, image) => copies.saveImage(seq, image);
        sync = new TabSync(opts.name, (poll) => writer.behind(poll));
        let migrated = 0;
        try {
          await db.load(read);
          if (db.seq === 0) await checkNotLost(db, persistence, recovery, opts.name); // before migrations write to it
          if (opts.autoMigrate && known.length > 0) {
            migrated = await migrateLocked(known.at(-1)!.version).catch((error: unknown) => {
              if (schemaAhead) return 0; // old code may still read
              throw error;
            });
          }
        } catch (error) {
          closed = true;
          sync.close();
          db.close();
          persistence.close();
          throw error;
        }
        if (opts.checkpointEveryMs > 0) {
          checkpointTimer = setInterval(() => {
            void mutex
              .run(() => (db && !closed && db.seq !== checkpointedAt ? checkpoint('scheduled') : undefined))
              .catch((error: unknown) => console.warn(`[pacioli] scheduled checkpoint failed: ${String(error)}`));
          }, opts.checkpointEveryMs);
        }
        return { schemaVersion: currentVersion(db.engine), migrated, schemaAhead };
      });
    },

    /** Holds Web Lock `name` while this worker lives: the page learns of its end when the browser grants it the lock. */
    async holdWhileAlive(name: string): Promise<void> {
      await holdWhileAlive(name);
    },

    /** Registers the page's listener for changes (this tab's and other tabs') and schema-ahead. */
    async listen(callback: (event: HostEvent) => void): Promise<void> {
      listener = callback;
      if (schemaAhead) callback({ type: 'schema-ahead' });
    },

    async query(sql: string, params: SqlParams | undefined, txId?: number): Promise<Rows> {
      if (txId !== undefined) return writer.inTx(txId, sql).query(sql, params);
      const rows = await mutex.run(() => {
        const { engine } = ready();
        return engine.readOnly(sql) ? engine.query(sql, params) : undefined;
      });
      return rows ?? writer.autocommit((e) => (guardWrite(true), e.query(sql, params)));
    },

    async run(sql: string, params: SqlParams | undefined, txId?: number): Promise<RunResult> {
      if (txId !== undefined) return writer.inTx(txId, sql).run(sql, params);
      return writer.autocommit((e) => (guardWrite(true), e.run(sql, params)));
    },

    /** Whether the page wants change events (it has live queries). */
    async setWatching(on: boolean): Promise<void> {
      watching = on === true;
    },

    /** The tables a read-only query reads (undefined: any), for live queries. */
    async tablesRead(sql: string): Promise<string[] | undefined> {
      return mutex.run(() => ready().engine.tablesRead(sql));
    },

    /** Opens a transaction once this tab's earlier calls are done and no other tab is writing; returns its id. */
    async begin(): Promise<number> {
      return writer.begin();
    },

    async commit(txId: number): Promise<void> {
      return writer.commit(txId);
    },

    /** Rolls a transaction back; `timedOut` when the page's own timer ended it (it may fire before this worker's). */
    async rollback(txId: number, timedOut = false): Promise<void> {
      writer.rollback(txId, timedOut);
    },

    async migrate(): Promise<number> {
      return mutex.run(() => (ready(), migrateLocked(known.at(-1)?.version ?? 0)));
    },

    async migrateTo(version: number): Promise<number> {
      if (!Number.isSafeInteger(version) || version < 0) throw new StoreError('INVALID_ARGUMENT', 'version must be a non-negative integer');
      return mutex.run(() => (ready(), migrateLocked(version)));
    },

    async schemaVersion(): Promise<number> {
      return mutex.run(() => currentVersion(ready().engine));
    },

    /** One ledger operation: a read in turn, a write as its own transaction, durable when this resolves. */
    async ledger<K extends LedgerOpName>(op: K, args: LedgerArgs<K>): Promise<ReturnType<LedgerOps[K]>> {
      const fn = (Object.hasOwn(ledgerOps, op) ? ledgerOps[op] : undefined) as ((e: Engine, ...a: unknown[]) => ReturnType<LedgerOps[K]>) | undefined;
      if (!fn) throw new StoreError('INVALID_ARGUMENT', `no ledger operation ${String(op)}`);
      if (READ_OPS.has(op)) return mutex.run(() => fn(ready().engine, ...args));
      return writer.autocommit((e) => (guardWrite(true), fn(e, ...args)));
    },

    /** Folds the change log into a new snapshot now. */
    async compact(): Promise<void> {
      ready();
      await writer.scheduleFold();
    },

    async stats(): Promise<StoreStats> {
      return ready().stats(options!.durability);
    },

    async close(): Promise<void> {
      if (closed) return;
      await mutex.run(() => {
        closed = true; // calls queued behind this one now fail with CLOSED; a queued fold gives up
      });
      await writer.settled(); // a fold already writing its image finishes first
      clearInterval(checkpointTimer);
      await recovery?.close();
      sync?.close();
      db?.close();
      persistence?.close();
    },
  };
}

/** The RPC surface, derived from the implementation. */
export type WorkerApi = ReturnType<typeof createWorkerApi>;
