/**
 * The page side of a store: a typed proxy to the store's worker. Every call
 * gets an outcome, even if the worker dies (Comlink alone would leave it
 * pending forever).
 */
import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import { atBoundary, StoreError } from '../shared/errors';
import { installErrorTransfer } from '../shared/wire';
import type { BackupPreview, CheckpointInfo, RunResult, SqlParams, StoreOptions, StoreStats, Tx } from '../shared/types';

/** Events a store emits. */
export type StoreEvent = 'schema-ahead';
import type { LedgerOpName, LedgerOps } from '../ledger/operations';
import type { Engine } from '../worker/sql/engine';
import type { HostEvent, WorkerApi } from '../worker/rpc/api';

type LedgerArgsOf<K extends LedgerOpName> = LedgerOps[K] extends (e: Engine, ...a: infer A) => unknown ? A : never;
type LedgerResult<K extends LedgerOpName> = ReturnType<LedgerOps[K]>;

const DEFAULTS = { durability: 'strict', txTimeoutMs: 10_000, compactAfterBytes: 4 * 1024 * 1024, keepCheckpoints: 5, checkpointEveryMs: 24 * 3600_000 } as const;

/**
 * Opens (or creates) the store `options.name` of this origin: starts its
 * worker, loads the durable state, and resolves when it is ready.
 * Rejects with `CORRUPT` when the persisted state is damaged, `UNSUPPORTED`
 * when the browser lacks module workers or IndexedDB.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  const opts = validate(options);
  if (typeof Worker === 'undefined') throw new StoreError('UNSUPPORTED', 'this browser has no Web Workers');
  if (typeof indexedDB === 'undefined') throw new StoreError('UNSUPPORTED', 'this browser has no IndexedDB (private mode?)');
  const store = startWorker(opts.name, opts.txTimeoutMs);
  try {
    await store['watchWorker']();
    const info = await store['call']((api) =>
      api.open({ ...opts, migrations: options.migrations, autoMigrate: options.autoMigrate ?? true }),
    );
    if (info.schemaAhead) store['noticeSchemaAhead']();
    await store['call']((api) => api.listen(proxy((event: HostEvent) => store['hostEvent'](event))));
  } catch (error) {
    store['shutdown']();
    throw error;
  }
  return store;
}

/** Starts a store's worker, wrapped as a `Store` that is not open yet. */
function startWorker(name: string, txTimeoutMs: number): Store {
  installErrorTransfer();
  const worker = new Worker(new URL('../worker/store.worker.ts', import.meta.url), { type: 'module', name: `pacioli:${name}` });
  return new Store(name, worker, txTimeoutMs);
}

/** Runs one call in a worker of its own, for work on a store that is not open (or cannot be). */
async function inOwnWorker<T>(name: string, fn: (api: Remote<WorkerApi>) => Promise<T>): Promise<T> {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) throw new StoreError('INVALID_ARGUMENT', 'the store name must be a string of 1 to 200 characters');
  if (typeof Worker === 'undefined') throw new StoreError('UNSUPPORTED', 'this browser has no Web Workers');
  const store = startWorker(name, DEFAULTS.txTimeoutMs);
  try {
    return await store['call'](fn);
  } finally {
    store['shutdown']();
  }
}

/** A recovery copy a store keeps outside IndexedDB: the database as of commit `seq`. */
export interface RecoveryCopyInfo {
  seq: number;
  bytes: number;
  savedAt: string;
}

/**
 * The newest recovery copy of store `name`, if one is kept. A store copies
 * each snapshot (fold) to the Origin Private File System in the background,
 * so that a browser that throws away the origin's IndexedDB loses at most
 * the commits since the last fold. Undefined without OPFS.
 */
export function recoveryCopy(name: string): Promise<RecoveryCopyInfo | undefined> {
  return inOwnWorker(name, (api) => api.recoveryCopy(name));
}

/**
 * After `openStore` failed with `STORAGE_LOST`: restores the store's
 * recovery copy into IndexedDB (commits after that copy are lost), so the
 * store opens again. `NOT_FOUND` when no copy is kept; `INVALID_ARGUMENT`
 * when the store holds data (a copy never replaces a live store).
 */
export function recoverStore(name: string, options: { durability?: StoreOptions['durability'] } = {}): Promise<RecoveryCopyInfo> {
  return inOwnWorker(name, (api) => api.recoverStore(name, options.durability ?? DEFAULTS.durability));
}

/**
 * Deletes store `name` from this origin: its IndexedDB databases, its
 * checkpoints, its existence record and its recovery copies. Close it in
 * every tab first. The next `openStore` starts a new, empty store.
 */
export function deleteStore(name: string): Promise<void> {
  return inOwnWorker(name, (api) => api.deleteStore(name));
}

function validate(options: StoreOptions): Required<Omit<StoreOptions, 'migrations' | 'autoMigrate'>> {
  if (typeof options !== 'object' || options === null) throw new StoreError('INVALID_ARGUMENT', 'openStore needs an options object');
  const { name } = options;
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
    throw new StoreError('INVALID_ARGUMENT', 'the store name must be a string of 1 to 200 characters');
  }
  const durability = options.durability ?? DEFAULTS.durability;
  if (durability !== 'strict' && durability !== 'relaxed') {
    throw new StoreError('INVALID_ARGUMENT', `durability must be 'strict' or 'relaxed', not ${String(durability)}`);
  }
  const txTimeoutMs = options.txTimeoutMs ?? DEFAULTS.txTimeoutMs;
  const compactAfterBytes = options.compactAfterBytes ?? DEFAULTS.compactAfterBytes;
  const keepCheckpoints = options.keepCheckpoints ?? DEFAULTS.keepCheckpoints;
  const checkpointEveryMs = options.checkpointEveryMs ?? DEFAULTS.checkpointEveryMs;
  const check = (values: Record<string, unknown>, min: number, what: string) => {
    for (const [key, value] of Object.entries(values)) {
      if (typeof value !== 'number' || !(value >= min) || !Number.isFinite(value)) throw new StoreError('INVALID_ARGUMENT', `${key} must be a ${what} number`);
    }
  };
  check({ txTimeoutMs, compactAfterBytes }, Number.MIN_VALUE, 'positive');
  check({ keepCheckpoints, checkpointEveryMs }, 0, 'non-negative');
  return { name, durability, txTimeoutMs, compactAfterBytes, keepCheckpoints, checkpointEveryMs };
}

/** An open store. Calls from one page run in the order they were made. */
export class Store {
  private readonly api: Remote<WorkerApi>;
  private closed = false;
  private readonly died: Promise<never>;

  /** @internal use `openStore` */
  constructor(
    /** The store's name. */
    readonly name: string,
    private readonly worker: Worker,
    private readonly txTimeoutMs: number,
  ) {
    this.api = wrap<WorkerApi>(worker);
    this.died = new Promise<never>((_, reject) => (this.workerGone = reject));
    this.died.catch(() => undefined);
    const fail = (event: Event) => {
      // An uncaught error leaves the worker running, with its write lock and connections: end it.
      event.preventDefault();
      this.stop(`the store's worker stopped: ${event instanceof ErrorEvent && event.message ? event.message : 'it could not load or crashed'}`);
    };
    worker.addEventListener('error', fail);
    worker.addEventListener('messageerror', fail);
  }

  private workerGone!: (error: StoreError) => void;
  private readonly alive = new AbortController();

  /**
   * A worker that is terminated or crashes fires no event. It holds a Web
   * Lock for as long as it lives; asking for the same lock here, the page is
   * granted it the moment the worker is gone, and every pending call fails
   * with `CLOSED` instead of hanging.
   */
  private async watchWorker(): Promise<void> {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    if (!locks) return; // the worker's open() names what is missing
    const name = `pacioli:alive:${typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : Math.random().toString(36).slice(2)}`;
    await this.call((api) => api.holdWhileAlive(name));
    locks.request(name, { signal: this.alive.signal }, () => this.stop(`the store's worker stopped (terminated or crashed)`)).catch(() => undefined);
  }

  /** Ends this store after its worker failed: pending and later calls reject with `CLOSED`. */
  private stop(reason: string): void {
    if (this.closed) return;
    this.workerGone(new StoreError('CLOSED', reason));
    this.shutdown();
  }

  private call<T>(fn: (api: Remote<WorkerApi>) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError('CLOSED', `the store ${this.name} is closed`));
    let pending: Promise<T>;
    try {
      pending = fn(this.api);
    } catch (error) {
      pending = Promise.reject(error);
    }
    // The one boundary on the page: everything that reaches the app is a StoreError.
    return Promise.race([pending, this.died]).catch((thrown: unknown) => {
      const error = atBoundary(thrown);
      if (error.code === 'SCHEMA_AHEAD') this.noticeSchemaAhead();
      throw error;
    });
  }

  private listeners = new Set<() => void>();
  /** True once this store learnt the database was migrated by newer code than this page's. */
  schemaAhead = false;

  private noticeSchemaAhead(): void {
    if (this.schemaAhead) return;
    this.schemaAhead = true;
    for (const listener of this.listeners) queueMicrotask(listener);
  }

  /**
   * Listens for `'schema-ahead'`: the database has migrations this code does
   * not know (a newer deploy ran in another tab). Writes then fail with
   * `SCHEMA_AHEAD` and reads keep working; ask the user to reload. A listener
   * added after it happened is called at once. Returns the unsubscribe.
   */
  on(event: StoreEvent, listener: () => void): () => void {
    if (event !== 'schema-ahead') throw new StoreError('INVALID_ARGUMENT', `unknown event ${String(event)}`);
    this.listeners.add(listener);
    if (this.schemaAhead) queueMicrotask(listener);
    return () => this.listeners.delete(listener);
  }

  private watchers = new Set<{ tables: string[] | undefined | null; refresh: () => void }>();

  private hostEvent(event: HostEvent): void {
    if (event.type === 'schema-ahead') return this.noticeSchemaAhead();
    const { tables } = event.notice;
    for (const w of this.watchers) {
      if (w.tables === null) continue; // not started: its first run reads the latest anyway
      const hit = tables === 'all' || w.tables === undefined || w.tables.some((t) => tables.some((c) => c.toLowerCase() === t.toLowerCase()));
      if (hit) w.refresh();
    }
  }

  /**
   * A live query: calls `callback` with the rows at once, and again after
   * every commit, in this tab or another, that touches a table the query
   * reads (views and subqueries included). Commits to other tables do not
   * call it. Returns the unsubscribe function. Errors go to `onError`.
   */
  watch<T = Record<string, unknown>>(sql: string, params: SqlParams | undefined, callback: (rows: T[]) => void, onError: (error: unknown) => void = console.error): () => void {
    let active = true;
    let running = false;
    let dirty = false;
    const refresh = async (): Promise<void> => {
      if (running) return void (dirty = true);
      running = true;
      do {
        dirty = false;
        try {
          const rows = await this.query<T>(sql, params);
          if (active) callback(rows);
        } catch (error) {
          if (active) onError(error);
        }
      } while (dirty && active);
      running = false;
    };
    const watcher = { tables: null as string[] | undefined | null, refresh: () => void refresh() };
    // The worker sends change events only while some live query listens (sent before the query's first run).
    if (this.watchers.size === 0) void this.call((api) => api.setWatching(true)).catch(() => undefined);
    this.watchers.add(watcher);
    this.call((api) => api.tablesRead(sql)).then(
      (tables) => {
        watcher.tables = tables;
        if (active) void refresh();
      },
      (error: unknown) => active && onError(error),
    );
    return () => {
      active = false;
      if (this.watchers.delete(watcher) && this.watchers.size === 0) void this.call((api) => api.setWatching(false)).catch(() => undefined);
    };
  }

  /** Applies every pending migration of `openStore({ migrations })`; resolves to how many were applied now. */
  migrate(): Promise<number> {
    return this.call((api) => api.migrate());
  }

  /** Moves the schema to `version`: forward with `up`, backward with `down` (`MIGRATION_FAILED` if one is missing). */
  async migrateTo(version: number): Promise<void> {
    await this.call((api) => api.migrateTo(version));
  }

  /** The highest applied migration's version, 0 before any. */
  schemaVersion(): Promise<number> {
    return this.call((api) => api.schemaVersion());
  }

  /** Runs SQL and returns the rows of its (last) statement as objects. Writes are durable when it resolves. */
  query<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.call((api) => api.query(sql, params)) as Promise<T[]>;
  }

  /** Runs SQL that writes; resolves once the change is durable. */
  run(sql: string, params?: SqlParams): Promise<RunResult> {
    return this.call((api) => api.run(sql, params));
  }

  /**
   * Runs `fn` in one SQLite transaction. Its `tx.query`/`tx.run` calls see
   * its own uncommitted writes; every other call on this store waits until
   * it ends. Resolves with `fn`'s result once the commit is durable; if `fn`
   * throws or rejects, everything rolls back and its error is rethrown as
   * is. Still open after `txTimeoutMs`, it is rolled back with `TX_TIMEOUT`.
   */
  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const id = await this.call((api) => api.begin());
    const tx: Tx = {
      query: <R>(sql: string, params?: SqlParams) => this.call((api) => api.query(sql, params, id)) as Promise<R[]>,
      run: (sql: string, params?: SqlParams) => this.call((api) => api.run(sql, params, id)),
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreError('TX_TIMEOUT', `the transaction stayed open past ${this.txTimeoutMs} ms and was rolled back`)),
        this.txTimeoutMs,
      );
    });
    try {
      const result = await Promise.race([fn(tx), timeout]);
      clearTimeout(timer);
      await this.call((api) => api.commit(id));
      return result;
    } catch (error) {
      clearTimeout(timer);
      const timedOut = error instanceof StoreError && error.code === 'TX_TIMEOUT';
      await this.call((api) => api.rollback(id, timedOut)).catch(() => undefined);
      throw error;
    }
  }

  /** @internal One ledger operation in the worker; use `openLedger`. */
  ledgerCall<K extends LedgerOpName>(op: K, args: LedgerArgsOf<K>): Promise<LedgerResult<K>> {
    return this.call((api) => api.ledger(op, args as never) as Promise<unknown>) as Promise<LedgerResult<K>>;
  }

  /**
   * The whole database as a backup file: a real SQLite database (the
   * `sqlite3` tool opens it) with a manifest; one committed state even while
   * other tabs write.
   */
  exportBackup(): Promise<Uint8Array> {
    return this.call((api) => api.exportBackup());
  }

  /** Verifies a backup file as restore would, without restoring: what it holds, for a preview. */
  async inspectBackup(data: Uint8Array | Blob): Promise<BackupPreview> {
    const bytes = await asBytes(data);
    return this.call((api) => api.inspectBackup(bytes));
  }

  /**
   * Replaces the database with a backup, after treating the file as hostile
   * (size, header, integrity, application id, manifest checksum, exact schema,
   * the ledger's audit). A rejection is `INVALID_BACKUP` (`SCHEMA_AHEAD` for a
   * backup of newer code) and changes nothing. An older backup is migrated
   * forward. Atomic and durable; every tab sees the restored state.
   */
  async restoreBackup(data: Uint8Array | Blob): Promise<{ schemaVersion: number; migrated: number }> {
    const bytes = await asBytes(data);
    return this.call((api) => api.restoreBackup(bytes));
  }

  /** The kept checkpoints (before migrations, before restores, scheduled), oldest first, with their size. */
  async checkpoints(): Promise<CheckpointInfo[]> {
    const list = await this.call((api) => api.checkpoints());
    return list.map(({ id, createdAt, reason, schemaVersion, bytes }) => ({ id, createdAt, reason, schemaVersion, bytes }));
  }

  /** Restores a kept checkpoint, atomically and in every tab (keeping a checkpoint of the state it replaces). */
  restoreCheckpoint(id: string): Promise<void> {
    return this.call((api) => api.restoreCheckpoint(id));
  }

  /** Folds the change log into a new snapshot now (it also happens by itself as the log grows). */
  compact(): Promise<void> {
    return this.call((api) => api.compact());
  }

  /** Persistence counters, for diagnostics and tests. */
  stats(): Promise<StoreStats> {
    return this.call((api) => api.stats());
  }

  /** Waits for earlier calls, closes the database and stops the worker. Later calls reject with `CLOSED`. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.call((api) => api.close());
    } finally {
      this.shutdown();
    }
  }

  private shutdown(): void {
    if (this.closed && this.released) return;
    this.closed = true;
    this.released = true;
    this.alive.abort();
    this.api[releaseProxy]();
    this.worker.terminate();
  }

  private released = false;
}

async function asBytes(data: Uint8Array | Blob): Promise<Uint8Array> {
  if (data instanceof Uint8Array) return data;
  if (typeof Blob !== 'undefined' && data instanceof Blob) return new Uint8Array(await data.arrayBuffer());
  throw new StoreError('INVALID_ARGUMENT', 'a backup is a Uint8Array or a Blob');
}
