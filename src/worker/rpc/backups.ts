/**
 * Backups and checkpoint restores of an open store. The write lock is held
 * only to copy the image (export) or to install one (restore): verifying a
 * file and digesting an export take seconds on a large store, and other
 * tabs' writes would time out waiting. An export is one committed state of
 * all tabs; a restore is one atomic snapshot commit that every tab sees.
 */
import { transfer } from 'comlink';
import type { CheckpointRecord } from '../../shared/contract';
import { StoreError } from '../../shared/errors';
import type { BackupPreview } from '../../shared/types';
import type { Replica } from '../core/replica';
import type { Session } from '../core/session';
import { buildBackup, liveSchema, migrationSchema, verifyBackup, type Candidate } from '../features/backup-file';
import { currentVersion } from '../features/migrations';

export class Backups {
  constructor(private readonly session: Session) {}

  /**
   * Verifies a backup against what this code knows: its migrations, or the
   * live schema when it has none. Outside the write lock; `schema` is the
   * live schema it was checked against, to see at install whether it still holds.
   */
  private async verify(data: Uint8Array): Promise<{ candidate: Candidate; schema: string[] | undefined }> {
    if (!(data instanceof Uint8Array)) throw new StoreError('INVALID_ARGUMENT', 'a backup is a Uint8Array or a Blob');
    const { known, commits } = this.session;
    const { sql } = this.session.parts();
    const schema = known.length > 0 ? undefined : await commits.turn(() => liveSchema(this.session.ready().engine));
    const reference = schema ? () => schema : (v: number) => migrationSchema(sql, known, v);
    return { candidate: await verifyBackup(sql, data, known, reference), schema };
  }

  /** Replaces the database with `image` under the write lock, keeping a checkpoint of what it replaces. */
  private async install(replica: Replica, image: Uint8Array, reason: string): Promise<void> {
    await this.session.checkpoint(reason);
    await this.session.commits.install(replica, image);
  }

  /** The whole database as a backup file, with its manifest; the digest is made after the lock is let go. */
  async exportBackup(): Promise<Uint8Array> {
    // Handed over at once: the digest that follows keeps this worker too busy to hear another tab ask for the lock.
    const image = await this.session.commits.exclusive(async (replica) => replica.engine.export(), { handOver: true });
    const { sql, options } = this.session.parts();
    const bytes = await buildBackup(sql, image, options.name);
    return transfer(bytes, [bytes.buffer]);
  }

  /** Verifies a backup without restoring it: what it holds, for a preview. */
  async inspectBackup(data: Uint8Array): Promise<BackupPreview> {
    const { candidate } = await this.verify(data);
    return { ...candidate.manifest, migrated: candidate.migrated, facts: candidate.facts };
  }

  /** Verifies a backup as hostile (outside the write lock), then installs it atomically; every tab sees it. */
  async restoreBackup(data: Uint8Array): Promise<{ schemaVersion: number; migrated: number }> {
    const verified = await this.verify(data);
    let candidate = verified.candidate;
    return this.session.commits.exclusive(async (replica) => {
      // Another tab changed a migration-less store's schema meanwhile: the check no longer holds, so do it again.
      const now = verified.schema && liveSchema(replica.engine);
      if (now && now.join('\n') !== verified.schema!.join('\n')) {
        candidate = await verifyBackup(this.session.parts().sql, data, this.session.known, () => now);
      }
      await this.install(replica, candidate.image, 'before restoring a backup');
      return { schemaVersion: currentVersion(replica.engine), migrated: candidate.migrated };
    });
  }

  /** The kept checkpoints, oldest first, without their images. */
  async checkpoints(): Promise<CheckpointRecord[]> {
    this.session.ready();
    return this.session.parts().persistence.kept.list();
  }

  /** Restores a kept checkpoint: read and verified outside the write lock, installed under it. */
  async restoreCheckpoint(id: string): Promise<void> {
    this.session.ready();
    const { image } = await this.session.parts().persistence.kept.read(String(id));
    await this.session.commits.exclusive((replica) => this.install(replica, image, `before restoring checkpoint ${String(id)}`));
  }
}
