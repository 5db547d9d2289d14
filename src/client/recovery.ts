/**
 * Page-side calls for a store that is not open, or cannot be: what its
 * recovery copy holds, restoring that copy after `STORAGE_LOST`, listing
 * and restoring its automatic checkpoints after `CORRUPT`, and deleting a
 * store everywhere. Each runs in a worker of its own, started
 * as `openStore` starts one (`LoadOptions` say from where, if you must).
 */
import type { RecoveryCopyInfo } from '../shared/contract';
import type { CheckpointInfo, Durability, KeptCheckpoint, LoadOptions } from '../shared/types';
import { StoreError } from '../shared/errors';
import { inOwnWorker } from './worker-link';

export type { RecoveryCopyInfo };

/**
 * What `recoverStore(name)` would bring back, if anything. A store copies
 * each snapshot (fold) to the Origin Private File System in the background,
 * so that a browser that throws away the origin's IndexedDB loses at most
 * the commits since the last fold: this is the newest such copy. For a
 * store whose OPFS log was lost (`log: 'opfs'`), it is what IndexedDB kept
 * of it, or the copy if that is newer. Undefined without OPFS.
 */
export function recoveryCopy(name: string, options: LoadOptions = {}): Promise<RecoveryCopyInfo | undefined> {
  return inOwnWorker(name, (api) => api.recoveryCopy(name), options);
}

/**
 * After `openStore` failed with `STORAGE_LOST`: restores the store's
 * recovery copy into IndexedDB (commits after that copy are lost), so the
 * store opens again. `NOT_FOUND` when no copy is kept; `INVALID_ARGUMENT`
 * when the store holds data (a copy never replaces a live store). A store
 * whose OPFS log was lost goes on from what its IndexedDB kept, or from
 * its copy if that is newer (commits after it are lost).
 */
export function recoverStore(name: string, options: { durability?: Durability } & LoadOptions = {}): Promise<RecoveryCopyInfo> {
  return inOwnWorker(name, (api, wasmUrl) => api.recoverStore(name, options.durability ?? 'strict', wasmUrl), options);
}

/**
 * The automatic checkpoints store `name` keeps (before migrations and
 * restores, and on a schedule), oldest first, read without opening the
 * store: so they are reachable when `openStore` fails with `CORRUPT`.
 * Each image is read back and checked against its SHA-256 (`intact`).
 * An empty list when none is kept.
 */
export async function checkpointsOf(name: string, options: LoadOptions = {}): Promise<KeptCheckpoint[]> {
  const list = await inOwnWorker(name, (api) => api.checkpointsOf(name), options);
  return list.map(({ id, createdAt, reason, schemaVersion, bytes, seq, intact }) => ({ id, createdAt, reason, schemaVersion, bytes, intact, ...(seq === undefined ? {} : { seq }) }));
}

/**
 * Makes checkpoint `id` (from `checkpointsOf`) the state of store `name`,
 * which need not open: typically after `openStore` failed with `CORRUPT`.
 * The checkpoint is verified (its SHA-256, and that it opens as SQLite)
 * before anything is written; then, holding the store's cross-tab write
 * lock, it becomes one new snapshot commit above every commit the store
 * knows of, and the damaged snapshot and log are swept. Everything
 * committed after the checkpoint is gone; tabs that have the store open
 * load the restored state. Open the store again afterwards (an older
 * schema migrates forward as usual). No checkpoint of the replaced state
 * is kept: it may be what is damaged. A damaged checkpoint is `CORRUPT`,
 * an unknown id `NOT_FOUND`, a lock held too long by a frozen tab `BUSY`;
 * each leaves the store as it was. Resolves to the restored checkpoint.
 */
export async function restoreCheckpointOf(name: string, id: string, options: { durability?: Durability } & LoadOptions = {}): Promise<CheckpointInfo> {
  if (typeof id !== 'string' || id.length === 0) throw new StoreError('INVALID_ARGUMENT', 'a checkpoint id is a non-empty string (from checkpointsOf)');
  const durability = options.durability ?? 'strict';
  if (durability !== 'strict' && durability !== 'relaxed') throw new StoreError('INVALID_ARGUMENT', `durability must be 'strict' or 'relaxed', not ${String(durability)}`);
  const { createdAt, reason, schemaVersion, bytes, seq } = await inOwnWorker(name, (api, wasmUrl) => api.restoreCheckpointOf(name, id, durability, wasmUrl), options);
  return { id, createdAt, reason, schemaVersion, bytes, ...(seq === undefined ? {} : { seq }) };
}

/**
 * Deletes store `name` from this origin: its IndexedDB databases, its
 * checkpoints, its existence record and its recovery copies. Close it in
 * every tab first. The next `openStore` starts a new, empty store.
 */
export function deleteStore(name: string, options: LoadOptions = {}): Promise<void> {
  return inOwnWorker(name, (api) => api.deleteStore(name), options);
}
