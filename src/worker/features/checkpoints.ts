/**
 * Checkpoints: restorable copies of the whole database kept in IndexedDB,
 * before migrations and restores, and on a schedule when something changed
 * (the session runs the schedule, in the tab's turn).
 */
import type { Persistence } from '../idb/layout';
import type { Engine } from '../sql/engine';
import { currentVersion } from './migrations';

export class Checkpoints {
  /** The commit the last checkpoint holds: the schedule skips a store that has not changed. */
  private takenAt = -1;

  constructor(
    private readonly persistence: Persistence,
    private readonly keep: number,
  ) {}

  /** Keeps a checkpoint of `engine`'s state as of commit `seq` (call in the tab's turn). */
  async take(reason: string, engine: Engine, seq: number): Promise<void> {
    await this.persistence.kept.save(engine.export(), { reason, schemaVersion: currentVersion(engine), seq }, this.keep);
    this.takenAt = seq;
  }

  /** Whether commit `seq` is newer than the last checkpoint. */
  changedSince(seq: number): boolean {
    return seq !== this.takenAt;
  }
}
