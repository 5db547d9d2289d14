/**
 * Where a store lives in IndexedDB: the names both sides need. The worker
 * owns the layout (worker/idb/layout.ts); the page only reads it once, at
 * `openStore`, while the worker starts (client/page-read.ts).
 */
import { promisifyRequest } from 'idb-keyval';
import { sha256Hex } from './hash';

/** The snapshot pointer's key in the log's object store; log entries are keyed by number. */
export const META_KEY = 'meta';
/**
 * Present in the log's object store once the store keeps its log in OPFS
 * (idb/layout.ts): a store without it may take a missing OPFS log for none,
 * a store with it has lost its newest commits.
 */
export const OPFS_LOG_KEY = 'opfs-log';
/** The object store of each database. */
export const LOG_STORE = 'log';
export const SNAPSHOT_STORE = 'snapshots';

/** The OPFS directory that holds every store's log directory (opfs/segment-files.ts). */
export const OPFS_LOG_DIR = 'pacioli-log';

/** The name of store `name`'s log directory under `OPFS_LOG_DIR`: the name hashed, so that any name fits. */
export async function opfsLogStem(name: string): Promise<string> {
  return (await sha256Hex(`pacioli-log:${name}`)).slice(0, 32);
}

/** IndexedDB database names of a store, also for tools and tests. */
export function databaseNames(name: string): { log: string; snapshots: string } {
  return { log: `pacioli:${name}`, snapshots: `pacioli:${name}:snapshots` };
}

/**
 * The log read, issued on `store` (the log's object store) inside one
 * transaction: the pointer, the keys and values of the entries after
 * `after`, and the mark of a log in OPFS. The worker's own read and the
 * page's (client/page-read.ts) are this one, so the page hands over exactly
 * what the worker would have read.
 */
export function readLogRequests(store: IDBObjectStore, after: number): Promise<[meta: unknown, keys: IDBValidKey[], values: unknown[], opfsLog: unknown]> {
  // Numbers sort before strings in IndexedDB: this range holds entries, not the pointer or the mark.
  const range = IDBKeyRange.bound(after, Infinity, true, false);
  return Promise.all([promisifyRequest(store.get(META_KEY)), promisifyRequest(store.getAllKeys(range)), promisifyRequest(store.getAll(range)), promisifyRequest(store.get(OPFS_LOG_KEY))]);
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
  /** The mark of a log in OPFS (`OPFS_LOG_KEY`), if the store has one. */
  opfsLog?: unknown;
  /** Whether the store's OPFS log directory exists, looked up beside the read (absent: not known). */
  opfsDir?: boolean;
  snapshotKey?: IDBValidKey;
  snapshot?: unknown;
}
