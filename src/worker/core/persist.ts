/**
 * A lone commit's persist step (commit.ts): the open SQLite transaction
 * becomes one fenced log entry, or a snapshot where its changes cannot be
 * captured as row images, and counts in memory only once that is durable.
 */
import { toStoreError } from '../../shared/errors';
import { addOutcomesTable } from './outcomes';
import { dropFence, type Fence } from '../idb/log-append';
import type { Replica } from './replica';

/**
 * Persists and commits the engine's open transaction, or rolls it back and throws. Hold the write lock.
 * `early`: its append's fence, opened before the transaction's SQL ran, in this task (log-append.ts).
 */
export async function persistOpen(replica: Replica, early?: Fence): Promise<void> {
  const { engine, persistence } = replica;
  const next = replica.seq + 1;
  let pending;
  try {
    pending = engine.pending(next);
    // Storage cleared under us: memory holds the only copy, so write all of it, not a delta.
    if (pending.kind === 'log' && persistence.cleared) pending = { kind: 'snapshot', reason: 'storage was cleared' } as const;
    if (pending.kind !== 'log') dropFence(early);
    if (pending.kind === 'none') return engine.commit();
  } catch (error) {
    dropFence(early);
    engine.rollback();
    throw toStoreError(error);
  }
  if (pending.kind === 'snapshot') {
    try {
      addOutcomesTable(engine); // a snapshot anyway: the record of handed-over writes comes at no extra cost (outcomes.ts)
      engine.commit(); // sql.js cannot export inside a write transaction
    } catch (error) {
      engine.rollback();
      throw error;
    }
    const image = engine.export();
    let meta;
    try {
      meta = await persistence.writeSnapshot(next, image, { commit: true });
    } catch (error) {
      await replica.recover(); // memory is ahead of disk: back to the durable state
      throw error;
    }
    return replica.snapshotCommit(next, meta, image);
  }
  // Deferred foreign keys are checked only at COMMIT, after the row images were read. Where the
  // schema has them, commit in memory first, so that a violation never reaches the log (where
  // another tab or a reload after a crash would take it for a commit); a failed append then
  // costs a reload of the durable state rather than a rollback.
  const commitFirst = engine.checksAtCommit;
  if (commitFirst) {
    try {
      engine.commit();
    } catch (error) {
      dropFence(early);
      engine.rollback();
      throw error;
    }
  }
  try {
    await persistence.append([{ seq: next, bytes: pending.entry }], early);
  } catch (error) {
    if (commitFirst) await replica.recover();
    else engine.rollback();
    throw error;
  }
  if (!commitFirst) {
    try {
      engine.commit(); // nothing deferred: only running out of memory fails here
    } catch {
      // The entry is durable, so the commit happened: memory, behind now, loads it back.
      await replica.recover();
      if (replica.broken) throw replica.broken;
      return;
    }
  }
  replica.countLogWrite();
  replica.loggedCommit(next, pending.entry, pending.tables);
}
