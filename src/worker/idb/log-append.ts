/**
 * The IndexedDB log's append: commits made durable as log entries, one
 * entry or a batch of consecutive ones (group commit), in one transaction.
 */
import { conflict, type StoreError } from '../../shared/errors';
import type { LogEntry, Meta } from './layout';
import type { StrictStore } from './strict-store';

/**
 * `add`, not `put`, and a look, in the same transaction, at the pointer
 * (`metaKey`) and at the first new entry's key: a writer whose view is stale
 * (a tab frozen while holding the write lock, then resumed; or an optimistic
 * write) fails with `CONFLICT` instead of overwriting another tab's commit.
 * Commits are numbered without gaps, so whoever committed after this
 * writer's view committed `first`: as an entry, or in a snapshot the
 * pointer names (a fold sweeps entries only below its pointer).
 *
 * The commit is asked for once the look is answered, before the adds'
 * answers come back. So the look, not an add's `ConstraintError`, must
 * refuse a taken key: Firefox (ESR 153) completes a transaction whose commit
 * was asked for when an add then fails, without that entry, and the writer
 * would hear "done" for another tab's commit.
 */
export function appendFenced(log: StrictStore, entries: readonly LogEntry[], metaKey: string): Promise<void> {
  const first = entries[0]!.seq;
  return log('readwrite', (s) => {
    const tx = s.transaction;
    let refused: StoreError | undefined;
    let failed: DOMException | null = null;
    // Point reads, sent with the adds: one trip to the browser's IndexedDB, answered in order before any add runs.
    // (One range read over both, from `first` to the pointer's key, cost more in Chromium's stage pass.)
    const pointer = s.get(metaKey);
    const taken = s.getKey(first);
    for (const entry of entries) {
      const add = s.add(entry.bytes, entry.seq);
      add.onerror = () => {
        failed ??= add.error;
        if (add.error?.name === 'ConstraintError') refused ??= conflict(entry.seq);
      };
    }
    taken.onsuccess = () => {
      const meta = pointer.result as Meta | undefined;
      if (taken.result !== undefined || (meta && meta.snapshotSeq >= first)) {
        refused = conflict(first);
        tx.abort();
        return;
      }
      // Nothing more will be asked: the commit starts now, not after the adds' answers came back.
      if (typeof tx.commit === 'function') tx.commit();
    };
    return new Promise<void>((resolve, reject) => {
      // An add that failed once the commit was asked for (Firefox completes then, without it): not durable.
      tx.oncomplete = () => (failed ? reject(failed) : resolve());
      tx.onabort = () => reject(refused ?? tx.error ?? failed ?? new DOMException('the commit was aborted', 'AbortError'));
    });
  });
}
