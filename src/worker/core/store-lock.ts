/**
 * The write lock of a store this worker has not opened: module-level
 * recovery (restoring a checkpoint of a store that cannot open) writes
 * under the same cross-tab Web Lock lease that open stores write under, and
 * tells the tabs that have the store open what it committed.
 */
import { checkTabSupport, TabChannel } from '../tabs/channel';
import { WriteLease } from '../tabs/lease';
import type { WithWriteLock } from '../features/checkpoint-recovery';


/**
 * Takes store `name`'s write lock (asking a tab that keeps an idle lease to
 * let go), runs `fn`, and lets go at once. A lock held longer than `waitMs`
 * (a frozen tab) is `BUSY`; missing Web Locks or BroadcastChannel `UNSUPPORTED`.
 */
export const underWriteLock: WithWriteLock = async (name, waitMs, fn) => {
  checkTabSupport();
  const channel = new TabChannel(name, () => undefined, 60_000); // it catches up on nothing: only the lock's messages matter
  const lease = new WriteLease(name, channel);
  try {
    return await lease.withLock(waitMs, () => fn((seq) => channel.announce(seq)), { handOver: true });
  } finally {
    lease.close();
    channel.close();
  }
};
