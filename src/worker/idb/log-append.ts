/**
 * The IndexedDB log's append: commits made durable as log entries, one
 * entry or a batch of consecutive ones (group commit), in one transaction.
 */
import { conflict, type StoreError } from '../../shared/errors';
import type { LogEntry, Meta } from './layout';
import type { StrictStore } from './strict-store';

/** An append's transaction with its looks (the pointer, the first new entry's key) already sent. */
export interface Fence {
  readonly first: number;
  readonly store: IDBObjectStore;
  readonly pointer: IDBRequest;
  readonly taken: IDBRequest<IDBValidKey | undefined>;
}

/**
 * Opens the fence of an append whose first entry will be `first`, on
 * `store` (the log's, in a readwrite transaction). A lone writer opens it
 * before its SQL runs (group-commit.ts): the transaction starts and the
 * looks are answered while SQLite works, instead of one more trip to the
 * browser's IndexedDB after it.
 */
export function openFence(store: IDBObjectStore, first: number, metaKey: string): Fence {
  // Point reads, sent before the adds: answered in order before any add runs.
  // (One range read over both, from `first` to the pointer's key, cost more in Chromium's stage pass.)
  return { first, store, pointer: store.get(metaKey), taken: store.getKey(first) };
}

/** Gives up a fence that will not be used; its transaction holds the log's lock until then. */
export function dropFence(fence: Fence | undefined): void {
  try {
    fence?.store.transaction.abort();
  } catch {
    // finished already: nothing held
  }
}

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
 *
 * `early`: this append's fence, opened before its SQL ran, if still usable
 * (same first entry, its transaction still active); else a new one.
 */
export function appendFenced(log: StrictStore, entries: readonly LogEntry[], metaKey: string, early?: Fence): Promise<void> {
  const first = entries[0]!.seq;
  if (early?.first === first) {
    try {
      return addBehind(early, entries);
    } catch (error) {
      dropFence(early);
      // Its transaction ended before the adds (it is only active until this task ends): a new one.
      // Any other failure is the append's own.
      if ((error as { name?: string } | null)?.name !== 'TransactionInactiveError') return Promise.reject(error);
    }
  } else dropFence(early);
  return log('readwrite', (s) => addBehind(openFence(s, first, metaKey), entries));
}

/** Sends the adds behind `fence`'s looks; throws at once if its transaction is no longer active. */
function addBehind(fence: Fence, entries: readonly LogEntry[]): Promise<void> {
  const { store: s, pointer, taken, first } = fence;
  const tx = s.transaction;
  let refused: StoreError | undefined;
  let failed: DOMException | null = null;
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
}
