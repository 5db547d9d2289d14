/** Public types shared by the page and the worker. */

/** A value as it comes back from SQLite: `bigint` only beyond ±(2^53−1). */
export type SqlValue = null | number | bigint | string | Uint8Array;

/** Statement parameters: positional (`?`, `?NNN`) or named (`:name`, `@name`, `$name`; the key may omit the prefix). */
export type SqlParams = readonly unknown[] | Readonly<Record<string, unknown>>;

/** What a write statement did. */
export interface RunResult {
  /** Rows inserted, updated or deleted by the last statement. */
  changes: number;
  /** The rowid of the last inserted row (`bigint` beyond ±(2^53−1)). */
  lastInsertRowid: number | bigint;
}

/**
 * The one narrow interface a domain module (the ledger) runs on inside the
 * worker: statements in the transaction that is open, synchronous, with the
 * store's exact values. The worker's engine is one.
 */
export interface Sql {
  query(sql: string, params?: SqlParams): Record<string, SqlValue>[];
  run(sql: string, params?: SqlParams): RunResult;
}

/** One schema migration: SQL text, run in one transaction with its bookkeeping row. */
export interface Migration {
  version: number;
  name: string;
  up: string;
  down?: string;
}

/** How hard a commit waits for the disk. */
export type Durability = 'strict' | 'relaxed';

/** Where a store appends its commits: IndexedDB (the default), or a log file in OPFS. */
export type LogPlace = 'indexeddb' | 'opfs';

/**
 * Where a store's worker comes from: its script's URL (started as a module
 * worker), a `Worker` you started yourself (used for one store or one call,
 * and terminated with it), or a function that starts one each time.
 */
export type WorkerSource = string | URL | Worker | (() => Worker);

/**
 * Where the store's worker and sql.js's wasm come from. Leave both out with
 * Vite (dev server and build) and webpack 5: they find the files through
 * `new URL(…, import.meta.url)` and copy them. Set them for a bundler that
 * cannot follow that (esbuild), or to serve the files from a path a strict
 * Content-Security-Policy allows.
 */
export interface LoadOptions {
  /** The store's worker: by default the package's `store.worker.js`, next to its entry. */
  worker?: WorkerSource;
  /** sql.js's wasm (`pacioli/sql-wasm.wasm`): by default the one next to the worker script. */
  wasmUrl?: string | URL;
}

/** Options of `openStore`. */
export interface StoreOptions extends LoadOptions {
  /** The store's name; one IndexedDB database per name and origin. */
  name: string;
  /** Ordered migrations to apply on open. */
  migrations?: readonly Migration[];
  /** Apply pending migrations on open (default true). */
  autoMigrate?: boolean;
  /**
   * `'strict'` (default): a write resolves after IndexedDB reports its
   * transaction flushed to disk. `'relaxed'`: after the browser has it;
   * an OS crash or power loss may lose the last moments.
   */
  durability?: Durability;
  /** A transaction still open after this many ms is rolled back with `TX_TIMEOUT` (default 10 000). */
  txTimeoutMs?: number;
  /**
   * Fold the change log into a new snapshot once it holds this many bytes
   * or a quarter of the snapshot's size, whichever is larger (default 4 MiB).
   */
  compactAfterBytes?: number;
  /** How many automatic checkpoints to keep (default 5). */
  keepCheckpoints?: number;
  /** Take a checkpoint this often when something changed (default 24 h; 0: only before migrations and restores). */
  checkpointEveryMs?: number;
  /**
   * Room kept under the storage quota for the next fold, in bytes (default
   * 1 MiB; 0 keeps none). A fold writes a new image before it can free the
   * log it replaces: with this room, a store that filled its quota folds
   * again once its data, after deletes, fits in it. Raise it for large
   * stores that may delete their way out of a full quota.
   */
  reserveBytes?: number;
  /**
   * Where commits are appended. `'indexeddb'` (default): one IndexedDB
   * transaction per commit. `'opfs'`: one write and flush of a log file in
   * the Origin Private File System, a third of the cost where the browser
   * offers synchronous access handles in workers (else IndexedDB, as by
   * default). Snapshots stay in IndexedDB either way. Once a store has
   * appended to OPFS, every tab appends there, whatever it asked for.
   */
  log?: LogPlace;
  /**
   * Whether a write (`run`, a ledger operation) made while another tab
   * holds the write lock is handed to that tab to run with its own writes
   * (default true), rather than waiting for the lock. Its caller still hears
   * "done" only once it is durable, and sees it at once; a write handed over
   * commits exactly once, even if the other tab dies meanwhile. Transactions
   * always take the lock themselves. Tabs hand writes only to tabs running
   * the same code.
   */
  forwardWrites?: boolean;
}

/** A kept, restorable copy of the whole database. */
export interface CheckpointInfo {
  id: string;
  createdAt: string;
  /** Why it was taken: before a migration, before a restore, or scheduled. */
  reason: string;
  schemaVersion: number;
  /** What it costs in storage. */
  bytes: number;
  /** The commit it holds (absent in checkpoints kept before the commit was recorded with them). */
  seq?: number;
}

/** A checkpoint of a store that is not open (`checkpointsOf`), and whether it is intact. */
export interface KeptCheckpoint extends CheckpointInfo {
  /** Its image still matches the SHA-256 taken when it was kept: only an intact checkpoint can be restored. */
  intact: boolean;
}

/** What a backup file says about itself, in the manifest table it carries. */
export interface BackupManifest {
  format: 1;
  application: 'pacioli';
  store: string;
  createdAt: string;
  schemaVersion: number;
  migrations: { version: number; name: string; checksum: string }[];
  rowCounts: Record<string, number>;
  /** SHA-256 of the content: every user table's rows, in a canonical order and encoding. */
  contentSha256: string;
  /** SHA-256 of the whole file with these 64 characters zeroed: any changed byte anywhere shows. */
  fileSha256: string;
}

/**
 * A verified backup's manifest, how many migrations a restore would apply
 * to bring it up to date, and what the domains' checks read in its rows:
 * for a ledger, `facts.totalSupply` (a decimal string, exact).
 */
export type BackupPreview = BackupManifest & { migrated: number; facts: Record<string, string> };

/** The transaction handle passed to `transaction(fn)`. */
export interface Tx {
  query<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]>;
  run(sql: string, params?: SqlParams): Promise<RunResult>;
}

/** Diagnostics about persistence, for tests, tools and the curious. */
export interface StoreStats {
  /** Sequence number of the last durable commit. */
  seq: number;
  /** Sequence number the current snapshot covers (0: none yet). */
  snapshotSeq: number;
  /** Size of the current snapshot in bytes. */
  snapshotBytes: number;
  /** Log entries after the snapshot, and their bytes. */
  logEntries: number;
  logBytes: number;
  /** Commits persisted as log entries / as full snapshots (schema changes, uncapturable writes). */
  logCommits: number;
  snapshotCommits: number;
  /** IndexedDB transactions that appended log entries: fewer than `logCommits` where group commit put several commits in one. */
  logWrites: number;
  /** Log folds into a new snapshot since open. */
  compactions: number;
  /** Times the database image was loaded whole (open, a tab too far behind, recovery after a failed persist). */
  fullLoads: number;
  /** Log entries of other tabs this tab applied by catching up (not counting full loads). */
  caughtUp: number;
  /** How many times this tab took in other tabs' commits (each time one or more log entries, applied together). */
  catchUps: number;
  /** This tab's writes that another tab ran for it, because that tab held the write lock (`forwardWrites`). */
  forwardedWrites: number;
  /** Other tabs' writes that this tab ran for them. */
  servedWrites: number;
  /** Durability in force. */
  durability: Durability;
}
