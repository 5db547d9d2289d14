/**
 * Page-side calls for a store that is not open, or cannot be: what its
 * recovery copy holds, restoring that copy after `STORAGE_LOST`, and
 * deleting a store everywhere. Each runs in a worker of its own, started
 * as `openStore` starts one (`LoadOptions` say from where, if you must).
 */
import type { RecoveryCopyInfo } from '../shared/contract';
import type { Durability, LoadOptions } from '../shared/types';
import { inOwnWorker } from './worker-link';

export type { RecoveryCopyInfo };

/**
 * The newest recovery copy of store `name`, if one is kept. A store copies
 * each snapshot (fold) to the Origin Private File System in the background,
 * so that a browser that throws away the origin's IndexedDB loses at most
 * the commits since the last fold. Undefined without OPFS.
 */
export function recoveryCopy(name: string, options: LoadOptions = {}): Promise<RecoveryCopyInfo | undefined> {
  return inOwnWorker(name, (api) => api.recoveryCopy(name), options);
}

/**
 * After `openStore` failed with `STORAGE_LOST`: restores the store's
 * recovery copy into IndexedDB (commits after that copy are lost), so the
 * store opens again. `NOT_FOUND` when no copy is kept; `INVALID_ARGUMENT`
 * when the store holds data (a copy never replaces a live store).
 */
export function recoverStore(name: string, options: { durability?: Durability } & LoadOptions = {}): Promise<RecoveryCopyInfo> {
  return inOwnWorker(name, (api, wasmUrl) => api.recoverStore(name, options.durability ?? 'strict', wasmUrl), options);
}

/**
 * Deletes store `name` from this origin: its IndexedDB databases, its
 * checkpoints, its existence record and its recovery copies. Close it in
 * every tab first. The next `openStore` starts a new, empty store.
 */
export function deleteStore(name: string, options: LoadOptions = {}): Promise<void> {
  return inOwnWorker(name, (api) => api.deleteStore(name), options);
}
