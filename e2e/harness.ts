/**
 * The e2e harness page. It exposes the public API as `window.pacioli`, so
 * tests drive the store through `page.evaluate` exactly as an app would,
 * plus a few test helpers on `window.e2e` (value codec, error description,
 * raw IndexedDB access for the tamper tests).
 */
import * as pacioli from '../src/index';
import { decode, encode, toHex, type Encoded } from './codec';
import type { ErrorInfo, Settled } from './types';

function describeError(error: unknown): ErrorInfo {
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  return {
    name: typeof record.name === 'string' ? record.name : typeof error,
    message: typeof record.message === 'string' ? record.message : String(error),
    code: typeof record.code === 'string' ? record.code : undefined,
    sqliteCode: typeof record.sqliteCode === 'string' ? record.sqliteCode : undefined,
    instanceOfStoreError: error instanceof pacioli.StoreError,
    isStoreError: pacioli.isStoreError(error),
    instanceOfError: error instanceof Error,
  };
}

async function settle(promise: Promise<unknown>): Promise<Settled> {
  try {
    return { ok: true, value: encode(await promise) };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * Runs `fn` on one object store of an existing IndexedDB database, in a
 * readwrite transaction, and waits for that transaction to complete.
 */
async function withObjectStore<T>(dbName: string, storeName: string, fn: (store: IDBObjectStore) => Promise<T>): Promise<T> {
  const db = await request(indexedDB.open(dbName));
  try {
    if (!db.objectStoreNames.contains(storeName)) {
      throw new Error(`IndexedDB database ${dbName} has no object store ${storeName}`);
    }
    const tx = db.transaction(storeName, 'readwrite');
    const done = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(tx.error);
      tx.onerror = () => reject(tx.error);
    });
    const result = await fn(tx.objectStore(storeName));
    await done;
    return result;
  } finally {
    db.close();
  }
}

const idb = {
  keys(dbName: string, storeName: string): Promise<IDBValidKey[]> {
    return withObjectStore(dbName, storeName, (store) => request(store.getAllKeys()));
  },
  get(dbName: string, storeName: string, key: IDBValidKey): Promise<unknown> {
    return withObjectStore(dbName, storeName, (store) => request(store.get(key)));
  },
  async put(dbName: string, storeName: string, key: IDBValidKey, value: unknown): Promise<void> {
    await withObjectStore(dbName, storeName, (store) => request(store.put(value, key)));
  },
  async delete(dbName: string, storeName: string, key: IDBValidKey): Promise<void> {
    await withObjectStore(dbName, storeName, (store) => request(store.delete(key)));
  },
};

const e2e = {
  encode,
  decode: (value: Encoded) => decode(value),
  toHex,
  describeError,
  settle,
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  idb,
};

export type E2eHelpers = typeof e2e;

Object.assign(window, { pacioli, e2e, stores: {} });
document.body.dataset.ready = '1';
