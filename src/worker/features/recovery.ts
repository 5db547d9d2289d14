/**
 * The recovery RPCs: they work on a store that is not open (or cannot be):
 * what recovery copy it keeps, restoring that copy into an IndexedDB that
 * lost the store, listing and restoring its checkpoints (checkpoint-recovery.ts),
 * and deleting a store everywhere.
 */
import { promisifyRequest } from 'idb-keyval';
import type { CheckpointRecord, CheckpointStatus } from '../../shared/contract';
import { fromIndexedDb, StoreError } from '../../shared/errors';
import type { Durability } from '../../shared/types';
import { Engine } from '../sql/engine';
import { databaseNames, Persistence } from '../idb/layout';
import { OpfsLog } from '../opfs/log-file';
import { RecoveryCopy, type CopyInfo } from './recovery-copy';
import { checkpointsOf, restoreCheckpointOf, type WithWriteLock } from './checkpoint-recovery';
import type { LoadSql } from '../sql/load-sql';

/** `withWriteLock` takes a store's cross-tab write lock (core/store-lock.ts: features/ cannot reach tabs/). */
export function createRecoveryApi(loadSql: LoadSql, withWriteLock: WithWriteLock) {
  return {
    /**
     * What `recoverStore` would bring back: the newest whole recovery copy of
     * store `name`, if one is kept; for a store whose OPFS log was lost, what
     * its IndexedDB kept, or the copy if that is newer.
     */
    async recoveryCopy(name: string): Promise<CopyInfo | undefined> {
      const copy = await new RecoveryCopy(String(name)).newest();
      const persistence = new Persistence(String(name), 'strict');
      try {
        const kept = await persistence.lostOpfsLog();
        return kept && !(copy && copy.info.seq > kept.seq) ? kept : copy?.info;
      } finally {
        persistence.close();
      }
    },

    /**
     * Restores the recovery copy of a store whose IndexedDB lost it, as one
     * snapshot commit. Never overwrites a store that holds data, but one
     * whose OPFS log was lost: that store goes on from what its IndexedDB
     * kept, or from its recovery copy as a snapshot commit if that is newer.
     */
    async recoverStore(name: string, durability: Durability, wasmUrl?: string): Promise<CopyInfo> {
      const copy = await new RecoveryCopy(String(name)).newest();
      const persistence = new Persistence(String(name), durability);
      const install = async (c: NonNullable<typeof copy>) => {
        new Engine(await loadSql(wasmUrl), c.image).close(); // proves it opens before anything is written
        await persistence.writeSnapshot(c.info.seq, c.image, { commit: true });
      };
      try {
        const kept = await persistence.lostOpfsLog();
        if (kept) {
          const newer = copy && copy.info.seq > kept.seq ? copy : undefined;
          if (newer) await install(newer);
          await persistence.forgetOpfsLog(); // last: until then, the store still opens as lost
          return newer?.info ?? kept;
        }
        if (!copy) throw new StoreError('NOT_FOUND', `no recovery copy of the store "${name}" is kept`);
        const { meta, entries } = await persistence.readLog(0);
        if (meta || entries.length > 0) {
          throw new StoreError('INVALID_ARGUMENT', `the store "${name}" holds data: a recovery copy never replaces it (restore a backup, or a checkpoint, instead)`);
        }
        await install(copy);
        return copy.info;
      } finally {
        persistence.close();
      }
    },

    /** The kept checkpoints of store `name`, each verified, without opening it. */
    async checkpointsOf(name: string): Promise<CheckpointStatus[]> {
      return checkpointsOf(String(name));
    },

    /** Installs checkpoint `id` of store `name` (which need not open) as a new snapshot commit, under the write lock. */
    async restoreCheckpointOf(name: string, id: string, durability: Durability, wasmUrl?: string): Promise<CheckpointRecord> {
      return restoreCheckpointOf(await loadSql(wasmUrl), String(name), String(id), durability, withWriteLock);
    },

    /** Deletes store `name` from this origin: its OPFS log, its IndexedDB databases, its record and its recovery copies. */
    async deleteStore(name: string): Promise<void> {
      await new OpfsLog(String(name), true).remove(); // first: it fails while a tab still writes to it
      for (const db of Object.values(databaseNames(String(name)))) {
        try {
          await promisifyRequest(indexedDB.deleteDatabase(db));
        } catch (error) {
          throw fromIndexedDb(error, `deleting ${db}`);
        }
      }
      await new RecoveryCopy(String(name)).remove();
    },
  };
}
