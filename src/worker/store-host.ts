/**
 * The worker side of a store: one engine, its persistence, and the rules
 * that join them. Every call runs in turn (a FIFO mutex); a transaction
 * holds the turn until it commits, rolls back or times out. A write
 * resolves only after its change is durable, and memory is never ahead of
 * disk: a failed persist rolls the transaction back, or (for a snapshot
 * commit, already committed in memory) reloads the durable state.
 */
import { StoreError, toStoreError } from '../shared/errors';
import { Mutex } from '../shared/mutex';
import type { Durability, Migration, RunResult, SqlParams, SqlValue, StoreStats } from '../shared/types';
import { ledgerOps, READ_OPS, type LedgerOpName, type LedgerOps } from '../ledger/operations';
import { Engine } from './engine';
import { checkMigrations, currentVersion, migrate, type CheckedMigration } from './migrations';
import { Persistence } from './persistence';
import type { SqlJs } from './sqljs';
import { holdStoreLock } from './tab-lock';

/** What the page passes to `open`. */
export interface HostOptions {
  name: string;
  durability: Durability;
  txTimeoutMs: number;
  compactAfterBytes: number;
  migrations: readonly Migration[] | undefined;
  autoMigrate: boolean;
}

/** What `open` reports back to the page. */
export interface OpenInfo {
  schemaVersion: number;
  /** Migrations applied by this open. */
  migrated: number;
  /** The database has migrations this code does not know: writes fail with SCHEMA_AHEAD. */
  schemaAhead: boolean;
}

interface OpenTx {
  id: number;
  release: () => void;
  timer: ReturnType<typeof setTimeout>;
  committing: boolean;
}

type Rows = Record<string, SqlValue>[];
/** A ledger operation's arguments, without the engine. */
type LedgerArgs<K extends LedgerOpName> = LedgerOps[K] extends (e: Engine, ...a: infer A) => unknown ? A : never;

/** Builds the API the worker exposes; `loadSql` supplies sql.js (the worker entry knows where its wasm is). */
export function createWorkerApi(loadSql: () => Promise<SqlJs>) {
  const mutex = new Mutex();
  let options: HostOptions | undefined;
  let sql: SqlJs | undefined;
  let engine: Engine | undefined;
  let persistence: Persistence | undefined;
  let broken: StoreError | undefined;
  let closed = false;
  let unlock = () => {};
  let known: CheckedMigration[] = [];
  let schemaAhead = false;
  let tx: OpenTx | undefined;
  let txIds = 0;
  const expired = new Set<number>();
  let seq = 0;
  let log: { seq: number; bytes: number }[] = [];
  let folding: Promise<void> = Promise.resolve();
  let foldQueued = false;
  const stats = { snapshotSeq: 0, snapshotBytes: 0, logCommits: 0, snapshotCommits: 0, compactions: 0, fullLoads: 0 };

  function ready(): { engine: Engine; persistence: Persistence; options: HostOptions } {
    if (closed) throw new StoreError('CLOSED', 'the store is closed');
    if (broken) throw broken;
    if (!engine || !persistence || !options) throw new StoreError('CLOSED', 'the store is not open');
    return { engine, persistence, options };
  }

  async function load(): Promise<void> {
    const loaded = await persistence!.load();
    const next = new Engine(sql!, loaded.image);
    try {
      next.replay(loaded.entries);
    } catch (error) {
      next.close();
      throw error;
    }
    engine?.close();
    engine = next;
    stats.snapshotSeq = loaded.meta?.snapshotSeq ?? 0;
    stats.snapshotBytes = loaded.meta?.snapshotBytes ?? 0;
    log = loaded.entries.map((e) => ({ seq: e.seq, bytes: e.bytes.length }));
    seq = log.at(-1)?.seq ?? stats.snapshotSeq;
    stats.fullLoads++;
  }

  /** After a snapshot commit failed to persist, memory is ahead of disk: load the durable state again. */
  async function recover(): Promise<void> {
    try {
      await load();
    } catch (error) {
      broken = new StoreError('PERSIST_FAILED', `the store could not reload its durable state: ${toStoreError(error).message}`, {
        cause: error,
      });
    }
  }

  /** Persists and commits the engine's open transaction, or rolls it back and throws. */
  async function commitOpen(): Promise<void> {
    const { engine, persistence } = ready();
    const next = seq + 1;
    let pending;
    try {
      pending = engine.pending(next);
      if (pending.kind === 'none') return engine.commit();
      // Storage cleared under us: memory holds the only copy, so write all of it, not a delta.
      if (pending.kind === 'log' && persistence.cleared) pending = { kind: 'snapshot', reason: 'storage was cleared' } as const;
    } catch (error) {
      engine.rollback();
      throw toStoreError(error);
    }
    if (pending.kind === 'log') {
      try {
        await persistence.append({ seq: next, bytes: pending.entry });
      } catch (error) {
        engine.rollback();
        throw error;
      }
      try {
        engine.commit();
      } catch (error) {
        // Only deferred foreign keys fail at COMMIT: withdraw the entry, then give up the transaction.
        await persistence.remove(next).catch(() => recover());
        engine.rollback();
        throw error;
      }
      seq = next;
      stats.logCommits++;
      log.push({ seq: next, bytes: pending.entry.length });
      scheduleFold(false);
      return;
    }
    try {
      engine.commit(); // sql.js cannot export inside a write transaction
    } catch (error) {
      engine.rollback();
      throw error;
    }
    try {
      const meta = await persistence.writeSnapshot(next, engine.export());
      if (meta) (stats.snapshotSeq = next), (stats.snapshotBytes = meta.snapshotBytes);
    } catch (error) {
      await recover();
      throw error;
    }
    seq = next;
    stats.snapshotCommits++;
    log = [];
    void persistence.sweep(next);
  }

  function scheduleFold(force: boolean): Promise<void> {
    const { options } = ready();
    const logBytes = log.reduce((n, e) => n + e.bytes, 0);
    const threshold = Math.max(options.compactAfterBytes, stats.snapshotBytes / 4);
    if (!force && (foldQueued || logBytes < threshold)) return folding;
    foldQueued = true;
    folding = folding.then(async () => {
      foldQueued = false;
      const release = await mutex.acquire();
      let image: Uint8Array;
      let at: number;
      try {
        if (closed || broken || !engine || seq === stats.snapshotSeq) return;
        image = engine.export(); // synchronous, between transactions
        at = seq;
      } finally {
        release(); // commits go on while the image is written
      }
      try {
        const meta = await persistence!.writeSnapshot(at, image);
        if (!meta) return;
        stats.snapshotSeq = at;
        stats.snapshotBytes = meta.snapshotBytes;
        stats.compactions++;
        log = log.filter((e) => e.seq > at);
        await persistence!.sweep(at);
      } catch (error) {
        // The log stays valid; the next commit past the threshold tries again.
        console.warn(`[pacioli] folding the log into a snapshot failed: ${toStoreError(error).message}`);
      }
    });
    return folding;
  }

  /** Runs `fn` in its own store transaction and persists it (a call outside `transaction()`). */
  async function autocommit<T>(fn: (engine: Engine) => T): Promise<T> {
    return mutex.run(async () => {
      const { engine } = ready();
      engine.begin();
      let result: T;
      try {
        result = fn(engine);
      } catch (error) {
        engine.rollback();
        throw error;
      }
      await commitOpen();
      return result;
    });
  }

  /** Old code against a newer schema may read, never write. */
  function guardWrite(engine: Engine, sql: string): void {
    if (schemaAhead && !engine.readOnly(sql)) {
      throw new StoreError('SCHEMA_AHEAD', 'the database was migrated by newer code: reload the page before writing');
    }
  }

  const migrationHost = {
    engine: () => ready().engine,
    commitOpen,
    checkpoint: async (reason: string, version: number) => {
      const { engine, persistence } = ready();
      await persistence.saveCheckpoint(engine.export(), { reason, schemaVersion: version });
    },
  };

  /** Applies migrations up to `target`; notices a database ahead of this code. */
  async function migrateLocked(target: number): Promise<number> {
    try {
      return await migrate(migrationHost, known, target);
    } catch (error) {
      if (error instanceof StoreError && error.code === 'SCHEMA_AHEAD') schemaAhead = true;
      throw error;
    }
  }

  function inTx(id: number): Engine {
    const { engine } = ready();
    if (tx?.id === id && !tx.committing) return engine;
    if (expired.has(id)) throw new StoreError('TX_TIMEOUT', `transaction ${id} was rolled back: it stayed open past ${options!.txTimeoutMs} ms`);
    throw new StoreError('INVALID_ARGUMENT', `transaction ${id} is no longer open`);
  }

  function endTx(): void {
    if (!tx) return;
    clearTimeout(tx.timer);
    tx.release();
    tx = undefined;
  }

  function currentStats(): StoreStats {
    return {
      seq,
      snapshotSeq: stats.snapshotSeq,
      snapshotBytes: stats.snapshotBytes,
      logEntries: log.length,
      logBytes: log.reduce((n, e) => n + e.bytes, 0),
      logCommits: stats.logCommits,
      snapshotCommits: stats.snapshotCommits,
      compactions: stats.compactions,
      fullLoads: stats.fullLoads,
      durability: options?.durability ?? 'strict',
    };
  }

  return {
    /** Loads the durable state; fails with `CORRUPT` naming what is damaged. */
    async open(opts: HostOptions): Promise<OpenInfo> {
      if (options) throw new StoreError('INVALID_ARGUMENT', 'this worker already serves a store');
      known = await checkMigrations(opts.migrations); // a bad list fails before anything runs
      options = opts;
      return mutex.run(async () => {
        unlock = await holdStoreLock(opts.name);
        sql = await loadSql();
        persistence = new Persistence(opts.name, opts.durability);
        try {
          await load();
        } catch (error) {
          persistence.close();
          closed = true;
          unlock();
          throw error;
        }
        void persistence.sweep(stats.snapshotSeq, { orphans: true });
        let migrated = 0;
        if (opts.autoMigrate && known.length > 0) {
          try {
            migrated = await migrateLocked(known.at(-1)!.version);
          } catch (error) {
            if (!schemaAhead) {
              closed = true;
              engine?.close();
              persistence.close();
              unlock();
              throw error;
            }
          }
        }
        return { schemaVersion: currentVersion(engine!), migrated, schemaAhead };
      });
    },

    /** Applies every pending migration; returns how many. */
    async migrate(): Promise<number> {
      return mutex.run(() => (ready(), migrateLocked(known.at(-1)?.version ?? 0)));
    },

    /** Moves to `version`: forward with up, backward with down. */
    async migrateTo(version: number): Promise<number> {
      if (!Number.isSafeInteger(version) || version < 0) throw new StoreError('INVALID_ARGUMENT', 'version must be a non-negative integer');
      return mutex.run(() => (ready(), migrateLocked(version)));
    },

    async schemaVersion(): Promise<number> {
      return mutex.run(() => currentVersion(ready().engine));
    },

    async query(sql: string, params: SqlParams | undefined, txId?: number): Promise<Rows> {
      if (txId !== undefined) {
        const engine = inTx(txId);
        guardWrite(engine, sql);
        return engine.query(sql, params);
      }
      const fast = await mutex.run(() => {
        const { engine } = ready();
        return engine.readOnly(sql) ? { rows: engine.query(sql, params) } : undefined;
      });
      return fast ? fast.rows : autocommit((e) => (guardWrite(e, sql), e.query(sql, params)));
    },

    async run(sql: string, params: SqlParams | undefined, txId?: number): Promise<RunResult> {
      if (txId !== undefined) {
        const engine = inTx(txId);
        guardWrite(engine, sql);
        return engine.run(sql, params);
      }
      return autocommit((e) => (guardWrite(e, sql), e.run(sql, params)));
    },

    /** Opens a transaction once every earlier call is done; returns its id. */
    async begin(): Promise<number> {
      const release = await mutex.acquire();
      try {
        ready().engine.begin();
      } catch (error) {
        release();
        throw error;
      }
      const id = ++txIds;
      const timer = setTimeout(() => {
        if (tx?.id !== id || tx.committing) return;
        engine?.rollback();
        expired.add(id);
        if (expired.size > 256) expired.delete(expired.values().next().value!);
        endTx();
      }, options!.txTimeoutMs);
      tx = { id, release, timer, committing: false };
      return id;
    },

    async commit(txId: number): Promise<void> {
      inTx(txId);
      tx!.committing = true;
      try {
        await commitOpen();
      } finally {
        endTx();
      }
    },

    async rollback(txId: number): Promise<void> {
      if (tx?.id !== txId || tx.committing) return;
      engine?.rollback();
      endTx();
    },

    /**
     * Runs one ledger operation: a read under the turn, a write in its own
     * transaction, durable when this resolves.
     */
    async ledger<K extends LedgerOpName>(op: K, args: LedgerArgs<K>): Promise<ReturnType<LedgerOps[K]>> {
      const fn = (Object.hasOwn(ledgerOps, op) ? ledgerOps[op] : undefined) as ((e: Engine, ...a: unknown[]) => ReturnType<LedgerOps[K]>) | undefined;
      if (!fn) throw new StoreError('INVALID_ARGUMENT', `no ledger operation ${String(op)}`);
      if (READ_OPS.has(op)) return mutex.run(() => fn(ready().engine, ...args));
      if (schemaAhead) throw new StoreError('SCHEMA_AHEAD', 'the database was migrated by newer code: reload the page before writing');
      return autocommit((e) => fn(e, ...args));
    },

    /** Folds the change log into a new snapshot now. */
    async compact(): Promise<void> {
      await scheduleFold(true);
    },

    async stats(): Promise<StoreStats> {
      return currentStats();
    },

    async close(): Promise<void> {
      if (closed) return;
      await mutex.run(() => {
        closed = true; // calls queued behind this one now fail with CLOSED; a queued fold gives up
      });
      await folding; // a fold already writing its image finishes first
      engine?.close();
      engine = undefined;
      persistence?.close();
      unlock();
    },
  };
}

/** The RPC surface, derived from the implementation. */
export type WorkerApi = ReturnType<typeof createWorkerApi>;
