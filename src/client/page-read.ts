/**
 * Reading the stored state on the page while the store's worker starts.
 *
 * On a cold open the worker's script takes 30–50 ms to fetch, compile and
 * run, and only then did it start reading IndexedDB (25–150 ms for 1–25 MB
 * here). The page can read from `openStore` on: IndexedDB is the same
 * origin's on both sides. So the page reads what the worker's first read
 * would (the pointer and the log entries in one transaction, and beside
 * them the snapshot the pointer names) and hands the results over, the snapshot's
 * buffer transferred, not copied. The worker checks them exactly as it
 * checks its own reads: entry CRCs, the snapshot's length and SHA-256.
 *
 * The page never creates anything: a database that does not exist yet is
 * left to the worker (the open's upgrade is aborted). Any failure here only
 * means the worker reads the state itself, as before.
 */
import { promisifyRequest } from 'idb-keyval';
import { databaseNames, LOG_STORE, OPFS_LOG_DIR, opfsLogStem, readLogRequests, SNAPSHOT_STORE, type PageRead } from '../shared/layout-names';

/** How long the worker waits for the page's read before it reads itself. */
const GIVE_UP_MS = 10_000;

/** Reads store `name`'s state for its worker; undefined when there is none yet, or on any failure. */
export function readOnPage(name: string): Promise<PageRead | undefined> {
  if (typeof indexedDB === 'undefined') return Promise.resolve(undefined);
  const read = readState(name).catch(() => undefined);
  // The worker waits for this answer instead of reading: a read that never settles must not hold the open.
  const gaveUp = new Promise<undefined>((resolve) => setTimeout(resolve, GIVE_UP_MS, undefined));
  return Promise.race([read, gaveUp]);
}

/** The buffers worth moving rather than copying to the worker: the snapshot's. */
export function transferables(read: PageRead | undefined): Transferable[] {
  const image = read?.snapshot;
  return image instanceof Uint8Array && image.byteOffset === 0 && image.byteLength === image.buffer.byteLength && image.buffer instanceof ArrayBuffer ? [image.buffer] : [];
}

async function readState(name: string): Promise<PageRead | undefined> {
  const names = databaseNames(name);
  // Both databases open at once, and the snapshot is read beside the pointer: a store almost always
  // holds one image, the one the pointer names (a fold writes its image, flips the pointer, then
  // deletes the old one).
  // Opened and read one after another, they cost two more trips to IndexedDB while the machine is
  // busiest, compiling the wasm and starting the worker.
  // Beside them, whether the store keeps its log in OPFS: in a worker that has just started, that
  // lookup took 20-35 ms (Chromium), after the state had arrived, on the path of every cold open.
  const inOpfs = opfsDirExists(name);
  const [log, snapshots] = await Promise.all([openExisting(names.log), openExisting(names.snapshots)]);
  try {
    if (!log?.objectStoreNames.contains(LOG_STORE)) return undefined;
    const images = snapshots?.objectStoreNames.contains(SNAPSHOT_STORE) ? snapshots.transaction(SNAPSHOT_STORE, 'readonly').objectStore(SNAPSHOT_STORE) : undefined;
    // The first image, not a cursor: Firefox's cursors read records ahead, whole images among them.
    // Settled either way at once: unwanted (and unawaited) when the pointer names no snapshot.
    const firstImage = images ? Promise.all([promisifyRequest(images.getAllKeys(null, 1)), promisifyRequest(images.getAll(null, 1))]).catch(() => undefined) : undefined;
    const [meta, keys, values, opfsLog] = await readLogRequests(log.transaction(LOG_STORE, 'readonly').objectStore(LOG_STORE), 0);
    const opfsDir = await inOpfs;
    const read: PageRead = { meta, keys, values, opfsLog, ...(opfsDir === undefined ? {} : { opfsDir }) };
    const pointer = meta as { snapshotSeq?: unknown; snapshotKey?: IDBValidKey } | undefined;
    const seq = pointer?.snapshotSeq;
    if (typeof seq !== 'number' || seq <= 0) return read;
    const key = pointer!.snapshotKey ?? seq;
    if (!snapshots || !images) return read; // the worker finds the snapshot missing itself
    const [[first] = [], [image] = []] = (await firstImage) ?? [];
    if (first !== undefined && indexedDB.cmp(first, key) === 0) return { ...read, snapshotKey: key, snapshot: image };
    // Several images (a fold under way, or one cut short): read the named one.
    const snapshot = await promisifyRequest(snapshots.transaction(SNAPSHOT_STORE, 'readonly').objectStore(SNAPSHOT_STORE).get(key));
    return { ...read, snapshotKey: key, snapshot };
  } finally {
    log?.close();
    snapshots?.close();
  }
}

/** Opens database `dbName` if it exists; never creates it (the upgrade a missing one asks for is aborted). */
function openExisting(dbName: string): Promise<IDBDatabase | undefined> {
  return new Promise((resolve) => {
    const request = indexedDB.open(dbName);
    request.onupgradeneeded = () => request.transaction?.abort();
    request.onsuccess = () => {
      const db = request.result;
      // Never in the way of a deletion or an upgrade (deleteStore, the worker's first open).
      db.onversionchange = () => db.close();
      resolve(db);
    };
    request.onerror = () => resolve(undefined);
    request.onblocked = () => resolve(undefined);
  });
}

/**
 * Whether store `name`'s OPFS log directory exists; undefined when that is
 * not known here (no OPFS on the page, or it refused): the worker looks
 * itself then. Only the worker can open the log's files.
 */
async function opfsDirExists(name: string): Promise<boolean | undefined> {
  try {
    if (typeof navigator === 'undefined' || typeof navigator.storage?.getDirectory !== 'function') return undefined;
    const [root, stem] = await Promise.all([navigator.storage.getDirectory(), opfsLogStem(name)]);
    await (await root.getDirectoryHandle(OPFS_LOG_DIR)).getDirectoryHandle(stem);
    return true;
  } catch (error) {
    return (error as { name?: string } | null)?.name === 'NotFoundError' ? false : undefined;
  }
}
