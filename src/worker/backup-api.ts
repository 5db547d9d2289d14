/**
 * The backup and checkpoint RPCs of the worker. They run in the tab's turn
 * and under the write lock, like any write: an export is one committed
 * state of all tabs; a restore is one atomic snapshot commit.
 */
import { transfer } from 'comlink';
import { StoreError } from '../shared/errors';
import type { Mutex } from '../shared/mutex';
import type { BackupPreview } from '../shared/types';
import { buildBackup, liveSchema, migrationSchema, verifyBackup } from './backup';
import type { DurableDb } from './durable-db';
import { currentVersion, type CheckedMigration } from './migrations';
import type { Checkpoint, Persistence } from './persistence';
import type { SqlJs } from './sqljs';

/** What the backup RPCs need from the host. */
export interface BackupContext {
  mutex: Mutex;
  ready(): DurableDb;
  /** Runs `fn` in the tab's turn, under the write lock, on a caught-up copy. */
  exclusive<T>(fn: (d: DurableDb) => Promise<T>): Promise<T>;
  sqlJs(): SqlJs;
  known(): readonly CheckedMigration[];
  persistence(): Persistence;
  name(): string;
  checkpoint(reason: string): Promise<void>;
  afterCommit(db: DurableDb): void;
}

export function createBackupApi(ctx: BackupContext) {
  const { mutex, ready } = ctx;

  /** Verifies a backup against what this code knows: its migrations, or the live schema when it has none. */
  function verify(data: Uint8Array): ReturnType<typeof verifyBackup> {
    if (!(data instanceof Uint8Array)) throw new StoreError('INVALID_ARGUMENT', 'a backup is a Uint8Array or a Blob');
    const d = ready();
    const reference = ctx.known().length > 0 ? (v: number) => migrationSchema(ctx.sqlJs(), ctx.known(), v) : () => liveSchema(d.engine);
    return verifyBackup(ctx.sqlJs(), data, ctx.known(), reference);
  }

  /** Replaces the database with `image` under the write lock, keeping a checkpoint of what it replaces. */
  async function install(d: DurableDb, image: Uint8Array, reason: string): Promise<void> {
    await ctx.checkpoint(reason);
    await d.install(image);
    ctx.afterCommit(d);
  }

  return {
    /** The whole database as a backup file: one committed state of all tabs, with its manifest. */
    async exportBackup(): Promise<Uint8Array> {
      const bytes = await ctx.exclusive(async (d) => buildBackup(ctx.sqlJs(), d.engine.export(), ctx.name(), d.engine));
      return transfer(bytes, [bytes.buffer]);
    },

    /** Verifies a backup without restoring it: what it holds, for a preview. */
    async inspectBackup(data: Uint8Array): Promise<BackupPreview> {
      const candidate = await mutex.run(() => verify(data));
      return { ...candidate.manifest, migrated: candidate.migrated };
    },

    /** Verifies a backup as hostile, then installs it atomically; every tab sees it. */
    async restoreBackup(data: Uint8Array): Promise<{ schemaVersion: number; migrated: number }> {
      return ctx.exclusive(async (d) => {
        const candidate = await verify(data);
        await install(d, candidate.image, 'before restoring a backup');
        return { schemaVersion: currentVersion(d.engine), migrated: candidate.migrated };
      });
    },

    async checkpoints(): Promise<Checkpoint[]> {
      ready();
      return ctx.persistence().checkpoints();
    },

    async restoreCheckpoint(id: string): Promise<void> {
      await ctx.exclusive(async (d) => {
        const { image } = await ctx.persistence().readCheckpoint(String(id));
        await install(d, image, `before restoring checkpoint ${String(id)}`);
      });
    },
  };
}
