/**
 * The page side of a store: `openStore` and the `Store` it resolves to.
 * Every call goes through the worker link (worker-link.ts), which always
 * settles; the types of what crosses come from the contract.
 */
import { proxy, transfer, type Remote } from 'comlink';
import type { WorkerEvent, LedgerArgs, LedgerOpName, LedgerResult, SyncArgs, SyncOpName, SyncResult, WorkerApi } from '../shared/contract';
import { StoreError } from '../shared/errors';
import { unpackRows } from '../shared/rows';
import type { BackupPreview, CheckpointInfo, RunResult, SqlParams, StoreOptions, StoreStats, Tx } from '../shared/types';
import { WorkerEvents, type StoreEvent } from './worker-events';
import { checkLoadOptions, validate } from './options';
import { compileWasm } from './wasm';
import { readOnPage, transferables } from './page-read';
import { WorkerLink } from './worker-link';

export type { StoreEvent };

/**
 * Opens (or creates) the store `options.name` of this origin: starts its
 * worker, loads the durable state, and resolves when it is ready.
 * Rejects with `CORRUPT` when the persisted state is damaged,
 * `STORAGE_LOST` when the browser threw it away (see `recoverStore`),
 * `UNSUPPORTED` when the browser lacks module workers or IndexedDB.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  const opts = validate(options);
  if (typeof Worker === 'undefined') throw new StoreError('UNSUPPORTED', 'this browser has no Web Workers');
  if (typeof indexedDB === 'undefined') throw new StoreError('UNSUPPORTED', 'this browser has no IndexedDB (private mode?)');
  const wasmUrl = checkLoadOptions(options);
  // Compiled here while the worker starts, and handed over once ready (client/wasm.ts).
  const compiling = compileWasm(wasmUrl, options.worker !== undefined);
  const link = new WorkerLink(opts.name, options.worker);
  // Read here while the worker starts, and handed over once ready (client/page-read.ts).
  const reading = readOnPage(opts.name);
  // The worker takes its calls in order, so they go together instead of each waiting for the last
  // one's answer: the liveness lock, the open, the wasm (when compiled), the state read and the event listener.
  let store: Store | undefined;
  const early: WorkerEvent[] = []; // events that arrive before the store exists (another tab migrated meanwhile)
  const pending: Promise<unknown>[] = [];
  try {
    pending.push(link.watch());
    const opening = link.call((api) => api.open({ ...opts, wasmUrl, wasmFromPage: true, stateFromPage: true, migrations: options.migrations, autoMigrate: options.autoMigrate ?? true }));
    pending.push(opening);
    pending.push(compiling.then((module) => link.call((api) => api.provideWasm(module))));
    pending.push(reading.then((read) => link.call((api) => api.provideState(read ? transfer(read, transferables(read)) : undefined))));
    pending.push(link.call((api) => api.listen(proxy((event: WorkerEvent) => (store ? store.events.dispatch(event) : early.push(event))))));
    await Promise.all(pending);
    const info = await opening;
    store = new Store(link, opts.txTimeoutMs);
    if (info.schemaAhead) store.events.noticeSchemaAhead();
    for (const event of early) store.events.dispatch(event);
    return store;
  } catch (error) {
    link.stop();
    await Promise.allSettled(pending); // every call settled (CLOSED) before the error goes up
    throw error;
  }
}

/** An open store. Calls from one page run in the order they were made. */
export class Store {
  /** @internal what the worker pushes: changes for live queries, schema-ahead */
  readonly events: WorkerEvents;

  /** @internal use `openStore` */
  constructor(
    private readonly link: WorkerLink,
    private readonly txTimeoutMs: number,
  ) {
    this.events = new WorkerEvents(link, (sql, params) => this.query(sql, params));
  }

  /** The store's name. */
  get name(): string {
    return this.link.name;
  }

  /** True once this store learnt the database was migrated by newer code than this page's. */
  get schemaAhead(): boolean {
    return this.events.schemaAhead;
  }

  private call<T>(fn: (api: Remote<WorkerApi>) => Promise<T>): Promise<T> {
    return this.link.call(fn).catch((error: StoreError) => {
      if (error.code === 'SCHEMA_AHEAD') this.events.noticeSchemaAhead();
      throw error;
    });
  }

  /**
   * Listens for `'schema-ahead'`: the database has migrations this code does
   * not know (a newer deploy ran in another tab). Writes then fail with
   * `SCHEMA_AHEAD` and reads keep working; ask the user to reload. A listener
   * added after it happened is called at once. Returns the unsubscribe.
   */
  on(event: StoreEvent, listener: () => void): () => void {
    return this.events.on(event, listener);
  }

  /**
   * A live query: calls `callback` with the rows at once, and again after
   * every commit, in this tab or another, that touches a table the query
   * reads (views and subqueries included). Commits to other tables do not
   * call it. Returns the unsubscribe function. Errors go to `onError`.
   */
  watch<T = Record<string, unknown>>(sql: string, params: SqlParams | undefined, callback: (rows: T[]) => void, onError: (error: unknown) => void = console.error): () => void {
    return this.events.watch(sql, params, callback, onError);
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
    return this.call((api) => api.query(sql, params)).then((rows) => unpackRows<T>(rows));
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
      query: <R>(sql: string, params?: SqlParams) => this.call((api) => api.query(sql, params, id)).then((rows) => unpackRows<R>(rows)),
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
  ledgerCall<K extends LedgerOpName>(op: K, args: LedgerArgs<K>): Promise<LedgerResult<K>> {
    return this.call((api) => api.ledger(op, args as never) as Promise<unknown>) as Promise<LedgerResult<K>>;
  }

  /** @internal One sync step in the worker; use `ledger.sync`. */
  syncCall<K extends SyncOpName>(op: K, args: SyncArgs<K>): Promise<SyncResult<K>> {
    return this.call((api) => api.sync(op, args as never) as Promise<unknown>) as Promise<SyncResult<K>>;
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
    return list.map(({ id, createdAt, reason, schemaVersion, bytes, seq }) => ({ id, createdAt, reason, schemaVersion, bytes, ...(seq === undefined ? {} : { seq }) }));
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
    if (this.link.closed) return;
    try {
      await this.call((api) => api.close());
    } finally {
      this.link.stop();
    }
  }
}

async function asBytes(data: Uint8Array | Blob): Promise<Uint8Array> {
  if (data instanceof Uint8Array) return data;
  if (typeof Blob !== 'undefined' && data instanceof Blob) return new Uint8Array(await data.arrayBuffer());
  throw new StoreError('INVALID_ARGUMENT', 'a backup is a Uint8Array or a Blob');
}
