/**
 * Checkpoints of a store that is not open, or cannot be: a damaged snapshot
 * or log entry makes `open` fail with `CORRUPT`, yet the checkpoints kept
 * beside the snapshots are whole images of their own, each with its SHA-256.
 * Listing them and restoring one never reads the damaged state: a restore
 * is a new snapshot commit above every commit the store knows of, made
 * under the store's write lock, after which the damaged pieces are obsolete
 * and swept.
 */
import type { CheckpointRecord, CheckpointStatus } from '../../shared/contract';
import { StoreError } from '../../shared/errors';
import type { Durability } from '../../shared/types';
import { Persistence } from '../idb/layout';
import { Engine } from '../sql/engine';
import type { SqlJs } from '../sql/sqljs';
import { RecoveryCopy } from './recovery-copy';

/** Runs `fn` holding store `name`'s cross-tab write lock; `announce(seq)` tells open tabs of a snapshot commit (core/store-lock.ts). */
export type WithWriteLock = <T>(name: string, waitMs: number, fn: (announce: (seq: number) => void) => Promise<T>) => Promise<T>;

/** How long a restore waits for the write lock (a frozen tab may hold it: then `BUSY`). */
const LOCK_WAIT_MS = 20_000;

/** The kept checkpoints of store `name`, oldest first, each read back and checked against its SHA-256. */
export async function checkpointsOf(name: string): Promise<CheckpointStatus[]> {
  const persistence = new Persistence(name, 'relaxed'); // reads only
  try {
    const out: CheckpointStatus[] = [];
    // One image in memory at a time: a checkpoint is a whole database.
    for (const checkpoint of await persistence.kept.list()) {
      const intact = await persistence.kept.read(checkpoint.id).then(
        () => true,
        (error: unknown) => {
          if (error instanceof StoreError && error.code === 'CORRUPT') return false;
          throw error;
        },
      );
      out.push({ ...checkpoint, intact });
    }
    return out;
  } finally {
    persistence.close();
  }
}

/**
 * Installs checkpoint `id` of store `name` as the store's state: verified
 * (SHA-256, and it opens as SQLite) before anything is written, then, under
 * the write lock, written as the snapshot of commit highest + 1, the pointer
 * flipped to it, and the log and older snapshots swept. Tabs that have the
 * store open are told, and load the new snapshot. A damaged checkpoint is
 * `CORRUPT`, an unknown one `NOT_FOUND`; either way nothing changes.
 */
export async function restoreCheckpointOf(sql: SqlJs, name: string, id: string, durability: Durability, withWriteLock: WithWriteLock): Promise<CheckpointRecord> {
  const persistence = new Persistence(name, durability);
  try {
    const { checkpoint, image } = await persistence.kept.read(id);
    new Engine(sql, image).close(); // proves it opens before anything is written
    const seq = await withWriteLock(name, LOCK_WAIT_MS, async (announce) => {
      const next = (await persistence.highestSeq()) + 1;
      await persistence.writeSnapshot(next, image, { commit: true });
      announce(next); // a snapshot commit: the others load it from IndexedDB
      return next;
    });
    await persistence.sweep(seq);
    const copy = new RecoveryCopy(name); // the OPFS record and copy follow, as after any snapshot commit
    copy.saveImage(seq, image);
    await copy.close();
    return checkpoint;
  } finally {
    persistence.close();
  }
}
