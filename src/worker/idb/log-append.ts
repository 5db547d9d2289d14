/**
 * The IndexedDB log's append: commits made durable as log entries, one
 * entry or a batch of consecutive ones (group commit), in one transaction.
 */
import { conflict, type StoreError } from '../../shared/errors';
import type { LogEntry, Meta } from './layout';
import type { StrictStore } from './strict-store';

/**
 * `add`, not `put`, and a look at the pointer (`metaKey`) in the same
 * transaction: a writer whose view is stale (a tab frozen while holding the
 * write lock, then resumed; or an optimistic write) fails with `CONFLICT`
 * instead of overwriting another tab's commit.
 */
export function appendFenced(log: StrictStore, entries: readonly LogEntry[], metaKey: string): Promise<void> {
  const first = entries[0]!.seq;
  return log('readwrite', (s) => {
    const tx = s.transaction;
    let refused: StoreError | undefined;
    let failed: DOMException | null = null;
    // All requests go out at once (one trip to the browser's IndexedDB); the pointer's
    // answer arrives first, and a stale writer aborts before anything commits.
    const pointer = s.get(metaKey);
    for (const entry of entries) {
      const add = s.add(entry.bytes, entry.seq);
      // The key exists: another tab wrote this commit. Left unprevented, the error aborts the transaction.
      add.onerror = () => {
        failed ??= add.error;
        if (add.error?.name === 'ConstraintError') refused ??= conflict(entry.seq);
      };
    }
    pointer.onsuccess = () => {
      const meta = pointer.result as Meta | undefined;
      if (meta && meta.snapshotSeq >= first) {
        refused = conflict(first);
        tx.abort();
        return;
      }
      // Nothing more will be asked: the commit starts now, not after the adds' answers came back.
      if (typeof tx.commit === 'function') tx.commit();
    };
    return new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(refused ?? tx.error ?? failed ?? new DOMException('the commit was aborted', 'AbortError'));
    });
  });
}

