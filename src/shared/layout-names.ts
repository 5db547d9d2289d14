/**
 * Where a store lives in IndexedDB: the names both sides need. The worker
 * owns the layout (worker/idb/layout.ts); the page only reads it once, at
 * `openStore`, while the worker starts (client/page-read.ts).
 */

/** The snapshot pointer's key in the log's object store; log entries are keyed by number. */
export const META_KEY = 'meta';
/** The object store of each database. */
export const LOG_STORE = 'log';
export const SNAPSHOT_STORE = 'snapshots';

/** IndexedDB database names of a store, also for tools and tests. */
export function databaseNames(name: string): { log: string; snapshots: string } {
  return { log: `pacioli:${name}`, snapshots: `pacioli:${name}:snapshots` };
}

/** Log entries only: numbers sort before strings in IndexedDB, so this range leaves out the pointer. */
export function entriesAfter(after: number): IDBKeyRange {
  return IDBKeyRange.bound(after, Infinity, true, false);
}

/**
 * What the page read for the worker: the log database's pointer, entry
 * keys and values from one transaction, and the snapshot the pointer named
 * (under `snapshotKey`), all unchecked. The worker checks them as it checks
 * its own reads.
 */
export interface PageRead {
  meta: unknown;
  keys: IDBValidKey[];
  values: unknown[];
  snapshotKey?: IDBValidKey;
  snapshot?: unknown;
}
