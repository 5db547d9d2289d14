/**
 * The contract between the page and the store's worker: the API the worker
 * exposes over Comlink, what the page passes to open a store, and the events
 * the worker pushes back. The client and the worker both import this file,
 * and nothing else of each other.
 *
 * Every method returns a promise that settles with its value or with a
 * `StoreError` (the worker's boundary, rpc/boundary.ts, and the page's,
 * client/worker-link.ts, see to it). No member is named `then` or `bind`:
 * Comlink proxies would take them for a thenable or a function's own.
 */
import type { LedgerOpName, LedgerOps } from '../ledger/operations';
import type { SyncSteps } from '../sync/device-types';
import type { BackupPreview, Durability, LogPlace, Migration, RunResult, Sql, SqlParams, StoreStats } from './types';
import type { PageRead } from './layout-names';
import type { PackedRows } from './rows';

/** What the page passes to `open`: the store's options, defaults applied. */
export interface OpenRequest {
  name: string;
  durability: Durability;
  txTimeoutMs: number;
  compactAfterBytes: number;
  migrations: readonly Migration[] | undefined;
  autoMigrate: boolean;
  /** How many checkpoints to keep, and how often to take one when something changed (0: only before migrations and restores). */
  keepCheckpoints: number;
  checkpointEveryMs: number;
  /** Room kept under the quota for the next fold (idb/reserve.ts). */
  reserveBytes: number;
  /** Where commits are appended (`StoreOptions.log`). */
  log: LogPlace;
  /** Hand writes to the tab holding the write lock (`StoreOptions.forwardWrites`). */
  forwardWrites: boolean;
  /** Where sql.js's wasm is, when the page says so (`StoreOptions.wasmUrl`); else the worker's default. */
  wasmUrl?: string;
  /** The page is compiling the wasm and sends the module (or undefined) with `provideWasm` right after: wait for it, do not fetch. */
  wasmFromPage?: boolean;
  /** The page is reading the stored state and sends it (or undefined) with `provideState` right after: wait for it, do not read. */
  stateFromPage?: boolean;
}

/** What `open` reports back to the page. */
export interface OpenInfo {
  schemaVersion: number;
  /** Migrations applied by this open. */
  migrated: number;
  /** The database has migrations this code does not know: writes fail with SCHEMA_AHEAD. */
  schemaAhead: boolean;
}

/** Which tables a change touched ('all' after a snapshot or a full load). */
export interface ChangeNotice {
  seq: number;
  tables: string[] | 'all';
}

/** What the worker pushes to its page. */
export type WorkerEvent = { type: 'change'; notice: ChangeNotice } | { type: 'schema-ahead' };

/** Rows as the worker sends them: packed (shared/rows.ts), unpacked on the page. */
export type Rows = PackedRows;

/** A ledger operation's arguments: those of its worker-side function, without the SQL connection. */
export type LedgerArgs<K extends LedgerOpName> = LedgerOps[K] extends (sql: Sql, ...args: infer A) => unknown ? A : never;
/** What a ledger operation resolves to. */
export type LedgerResult<K extends LedgerOpName> = ReturnType<LedgerOps[K]>;
export type { LedgerOpName };

/** A sync step's name (src/sync/device-types.ts `SyncSteps`; the types are written out there so no zod types reach the page's API). */
export type SyncOpName = keyof SyncSteps;
/** A sync step's arguments. */
export type SyncArgs<K extends SyncOpName> = Parameters<SyncSteps[K]>;
/** What a sync step resolves to. */
export type SyncResult<K extends SyncOpName> = ReturnType<SyncSteps[K]>;

/** A kept checkpoint, as the worker lists it. */
export interface CheckpointRecord {
  id: string;
  createdAt: string;
  reason: string;
  schemaVersion: number;
  bytes: number;
  sha256: string;
  /** The commit it holds (absent in checkpoints kept before it was recorded). */
  seq?: number;
}

/** A kept checkpoint of a store that is not open, and whether its image still matches its SHA-256. */
export interface CheckpointStatus extends CheckpointRecord {
  intact: boolean;
}

/** A recovery copy a store keeps outside IndexedDB: the database as of commit `seq`. */
export interface RecoveryCopyInfo {
  seq: number;
  bytes: number;
  savedAt: string;
}

/** The API of the store's worker. */
export interface WorkerApi {
  /** Holds Web Lock `name` while the worker lives: the page is granted it once the worker is gone. */
  holdWhileAlive(name: string): Promise<void>;
  /** Loads the durable state and applies migrations; fails with `CORRUPT` or `STORAGE_LOST`, naming what. */
  open(options: OpenRequest): Promise<OpenInfo>;
  /** The wasm module the page compiled for `open` (`OpenRequest.wasmFromPage`), or undefined when it could not. */
  provideWasm(module: WebAssembly.Module | undefined): Promise<void>;
  /** What the page read of the stored state for `open` (`OpenRequest.stateFromPage`), or undefined when it could not. */
  provideState(read: PageRead | undefined): Promise<void>;
  /** Registers the page's listener for changes (this tab's and other tabs') and schema-ahead. */
  listen(callback: (event: WorkerEvent) => void): Promise<void>;
  /** Whether the page wants change events (it has live queries). */
  setWatching(on: boolean): Promise<void>;
  /** Rows of the (last) statement; `txId` runs it inside that open transaction. */
  query(sql: string, params: SqlParams | undefined, txId?: number): Promise<Rows>;
  run(sql: string, params: SqlParams | undefined, txId?: number): Promise<RunResult>;
  /** The tables a read-only query reads (undefined: any), for live queries. */
  tablesRead(sql: string): Promise<string[] | undefined>;
  /** Opens a transaction once this tab's earlier calls are done and no other tab is writing; returns its id. */
  begin(): Promise<number>;
  commit(txId: number): Promise<void>;
  /** `timedOut` when the page's own timer ended it (it may fire before the worker's). */
  rollback(txId: number, timedOut?: boolean): Promise<void>;
  migrate(): Promise<number>;
  migrateTo(version: number): Promise<number>;
  schemaVersion(): Promise<number>;
  /** One ledger operation: a read in turn, a write as its own transaction, durable when this resolves. */
  ledger<K extends LedgerOpName>(op: K, args: LedgerArgs<K>): Promise<LedgerResult<K>>;
  /** One step of sync in the worker (outbox, push answers, pulls): a read in turn, a write as its own durable transaction. */
  sync<K extends SyncOpName>(op: K, args: SyncArgs<K>): Promise<SyncResult<K>>;
  compact(): Promise<void>;
  stats(): Promise<StoreStats>;
  close(): Promise<void>;
  exportBackup(): Promise<Uint8Array>;
  inspectBackup(data: Uint8Array): Promise<BackupPreview>;
  restoreBackup(data: Uint8Array): Promise<{ schemaVersion: number; migrated: number }>;
  checkpoints(): Promise<CheckpointRecord[]>;
  restoreCheckpoint(id: string): Promise<void>;
  /** Works on a store that is not open: the newest recovery copy it keeps. */
  recoveryCopy(name: string): Promise<RecoveryCopyInfo | undefined>;
  /** Works on a store that is not open: restores its recovery copy into an IndexedDB that lost it. */
  recoverStore(name: string, durability: Durability, wasmUrl?: string): Promise<RecoveryCopyInfo>;
  /** Works on a store that is not open (or cannot be): its kept checkpoints, each verified. */
  checkpointsOf(name: string): Promise<CheckpointStatus[]>;
  /** Works on a store that is not open (or cannot be): installs a kept checkpoint as a new snapshot commit, under the write lock. */
  restoreCheckpointOf(name: string, id: string, durability: Durability, wasmUrl?: string): Promise<CheckpointRecord>;
  /** Works on a store that is not open: deletes it everywhere. */
  deleteStore(name: string): Promise<void>;
}
