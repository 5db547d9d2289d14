/**
 * An idb-keyval `UseStore` that asks for the durability we promise.
 * idb-keyval's own `createStore` opens transactions without options, and
 * Chromium (since 121) then defaults to relaxed durability: "complete" would
 * mean "handed to the OS", not "on disk".
 */
import { promisifyRequest, type UseStore } from 'idb-keyval';
import { fromIndexedDb } from '../../shared/errors';
import type { Durability } from '../../shared/types';

/** A `UseStore` plus what idb-keyval's does not offer: closing, and noticing the database went away. */
export interface StrictStore extends UseStore {
  close(): void;
  /** The object store in a new transaction at once, if the connection is open already (else undefined). */
  now(mode: IDBTransactionMode): IDBObjectStore | undefined;
  /** True once the database was deleted or closed under us (site data cleared); cleared by `resetLost`. */
  readonly lost: boolean;
  resetLost(): void;
}

/**
 * Opens (lazily) database `dbName` with one object store `storeName`.
 * When another party deletes or upgrades the database (the user clearing
 * site data, a test tampering), the connection is closed rather than
 * blocking them, and the next call opens it again.
 */
export function createStrictStore(dbName: string, storeName: string, durability: Durability): StrictStore {
  let dbp: Promise<IDBDatabase> | undefined;
  /** The connection `dbp` resolved to, while it is the current one. */
  let opened: IDBDatabase | undefined;
  let lost = false;
  const open = (): Promise<IDBDatabase> => {
    if (!dbp) {
      const request = indexedDB.open(dbName);
      request.onupgradeneeded = () => request.result.createObjectStore(storeName);
      dbp = promisifyRequest(request).then((db) => {
        opened = db;
        db.onversionchange = (event) => {
          db.close();
          dbp = undefined;
          opened = undefined;
          if (event.newVersion === null) lost = true; // deleted: what it held is gone
        };
        db.onclose = () => {
          // Fired when the browser closes the connection abnormally, e.g. site data cleared.
          dbp = undefined;
          opened = undefined;
          lost = true;
        };
        return db;
      });
      dbp.catch(() => {
        dbp = undefined;
      });
    }
    return dbp;
  };
  const store = (async (txMode, callback) => {
    const db = await open();
    // `durability` is ignored by browsers that predate it; they were never relaxed by default.
    const tx = db.transaction(storeName, txMode, { durability });
    return callback(tx.objectStore(storeName));
  }) as StrictStore;
  Object.defineProperty(store, 'lost', { get: () => lost });
  store.resetLost = () => {
    lost = false;
  };
  store.close = () => {
    void dbp?.then((db) => db.close()).catch(() => undefined);
    dbp = undefined;
    opened = undefined;
  };
  store.now = (mode) => {
    try {
      return opened?.transaction(storeName, mode, { durability }).objectStore(storeName);
    } catch {
      return undefined; // closing: the caller takes the usual way
    }
  };
  return store;
}

/** Runs an IndexedDB call; whatever it throws becomes a `StoreError` naming `what` (the one place raw DOMExceptions are mapped). */
export async function idbCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw fromIndexedDb(error, what);
  }
}
