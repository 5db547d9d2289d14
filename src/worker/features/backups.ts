/**
 * The backup and checkpoint RPCs of the worker. They run in the tab's turn
 * and under the write lock, like any write: an export is one committed
 * state of all tabs; a restore is one atomic snapshot commit.
 */
import { transfer } from 'comlink';
import { StoreError } from '../../shared/errors';
import type { Mutex } from '../../shared/mutex';
import type { BackupPreview } from '../../shared/types';
import { buildBackup, liveSchema, migrationSchema, verifyBackup } from './backup-file';
import type { DurableDb } from '../replica';
import { currentVersion, type CheckedMigration } from './migrations';
import type { Checkpoint, Persistence } from '../idb/layout';
import type { SqlJs } from '../sql/sqljs';

/** What the backup RPCs need from the host. */
export interface BackupContext {
  mutex: Mutex;
  ready(): DurableDb;
  /** Runs `fn` in the tab's turn, under the write lock, on a caught-up copy. */
  exclusive<T>(fn: (d: DurableDb) => Promise<T>, options?: { handOver?: boolean }): Promise<T>;
  sqlJs(): SqlJs;
  known(): readonly CheckedMigration[];
  persistence(): Persistence;
  name(): string;
  checkpoint(reason: string): Promise<void>;
  afterCommit(db: DurableDb): void;
}

export function createBackupApi(ctx: BackupContext) {
  const { mutex, ready } = ctx;

  /**
   * Verifies a backup against what this code knows: its migrations, or the
   * live schema when it has none. Runs outside the write lock (on a large
   * store it takes seconds, and other tabs would time out waiting);
   * `schema` is the live schema it was checked against, to see at install
   * whether it still holds.
   */
  async function verify(data: Uint8Array): Promise<{ candidate: Awaited<ReturnType<typeof verifyBackup>>; schema: string[] | undefined }> {
    if (!(data instanceof Uint8Array)) throw new StoreError('INVALID_ARGUMENT', 'a backup is a Uint8Array or a Blob');
    const schema = ctx.known().length > 0 ? undefined : await mutex.run(() => liveSchema(ready().engine));
    const reference = schema ? () => schema : (v: number) => migrationSchema(ctx.sqlJs(), ctx.known(), v);
    return { candidate: await verifyBackup(ctx.sqlJs(), data, ctx.known(), reference), schema };
  }

  /** Replaces the database with `image` under the write lock, keeping a checkpoint of what it replaces. */
  async function install(d: DurableDb, image: Uint8Array, reason: string): Promise<void> {
    await ctx.checkpoint(reason);
    await d.install(image);
    ctx.afterCommit(d);
  }

  return {
    /**
     * The whole database as a backup file: one committed state of all tabs,
     * with its manifest. Only copying the image holds the write lock; the
     * digest and the manifest are made after.
     */
    async exportBackup(): Promise<Uint8Array> {
      // Handed over at once: the digest that follows keeps this worker too busy to hear another tab ask for the lock.
      const image = await ctx.exclusive(async (d) => d.engine.export(), { handOver: true });
      const bytes = await buildBackup(ctx.sqlJs(), image, ctx.name());
      return transfer(bytes, [bytes.buffer]);
    },

    /** Verifies a backup without restoring it: what it holds, for a preview. */
    async inspectBackup(data: Uint8Array): Promise<BackupPreview> {
      const { candidate } = await verify(data);
      return { ...candidate.manifest, migrated: candidate.migrated };
    },

    /** Verifies a backup as hostile (outside the write lock), then installs it atomically; every tab sees it. */
    async restoreBackup(data: Uint8Array): Promise<{ schemaVersion: number; migrated: number }> {
      let { candidate, schema } = await verify(data);
      return ctx.exclusive(async (d) => {
        // Another tab changed a migration-less store's schema meanwhile: the check no longer holds, so do it again.
        const now = schema && liveSchema(d.engine);
        if (now && now.join('\n') !== schema!.join('\n')) candidate = await verifyBackup(ctx.sqlJs(), data, ctx.known(), () => now);
        await install(d, candidate.image, 'before restoring a backup');
        return { schemaVersion: currentVersion(d.engine), migrated: candidate.migrated };
      });
    },

    async checkpoints(): Promise<Checkpoint[]> {
      ready();
      return ctx.persistence().checkpoints();
    },

    /** Restores a kept checkpoint: read and verified outside the write lock, installed under it. */
    async restoreCheckpoint(id: string): Promise<void> {
      ready();
      const { image } = await ctx.persistence().readCheckpoint(String(id));
      await ctx.exclusive((d) => install(d, image, `before restoring checkpoint ${String(id)}`));
    },
  };
}
