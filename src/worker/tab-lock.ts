/**
 * One writer per store and origin, until stores coordinate across tabs:
 * two workers appending to one log would each write entry N. A Web Lock
 * dies with its tab, so a closed or crashed tab never blocks the next one.
 */
import { StoreError } from '../shared/errors';

/**
 * Takes the store's exclusive lock, waiting up to `waitMs` (a reloading
 * tab's old worker may still be shutting down). Resolves to its release.
 */
export async function holdStoreLock(name: string, waitMs = 3000): Promise<() => void> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) throw new StoreError('UNSUPPORTED', 'this browser lacks the Web Locks API, which Pacioli needs to keep one writer per store');
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const signal = AbortSignal.timeout(waitMs);
  await new Promise<void>((granted, refused) => {
    locks
      .request(`pacioli:${name}`, { mode: 'exclusive', signal }, () => {
        granted();
        return released;
      })
      .catch(() =>
        refused(new StoreError('BUSY', `the store ${name} is open in another tab or window of this origin; close it there first`)),
      );
  });
  return release;
}
