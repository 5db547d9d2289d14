/**
 * Room to fold, kept under the quota.
 *
 * A fold writes its whole new image before it can sweep the log entries and
 * the older image it replaces. A store whose commits filled the origin's
 * quota to the last byte could then never fold again, not even after the
 * user deleted most of the data: the delete commits fit, but the image that
 * would free the space does not. Filesystems keep reserved blocks for the
 * same reason, and SQLite's VACUUM wants the file's size free.
 *
 * So each store keeps a reserve: a few records of filler in its snapshots
 * database. When a snapshot write is refused for quota, the reserve is
 * given up in a transaction of its own (the space must be free before the
 * browser checks the next write: Chromium counts only what a transaction
 * adds, not what it deletes) and the write is tried once more. After the
 * sweep that follows a snapshot, the reserve is filled up again. A small
 * commit the quota refuses (a delete is a few bytes) may give it up too:
 * right after refused writes Chromium was seen to refuse even those, and a
 * user at the quota must be able to delete; the fold after it needs little.
 *
 * Why not `navigator.storage.estimate()`: it reports the quota the browser
 * grants, not the room actually left (a full disk, a test's quota override,
 * Firefox's group limit), and asking it costs an IPC round trip per check.
 */
import { promisifyRequest } from 'idb-keyval';
import { StoreError } from '../../shared/errors';
import type { StrictStore } from './strict-store';

/** Filler records are this big: above Chromium's 64 KiB threshold, so each is a file of its own, freed at once. */
const CHUNK = 256 * 1024;
/** Keys ['reserve', i]: arrays with a string first sort after every snapshot key [seq, nonce], so sweeps never touch them. */
const RANGE = IDBKeyRange.bound(['reserve'], ['reserve', []]);

export class Reserve {
  private filling: Promise<void> | undefined;

  /** `bytes`: how much room to keep (rounded up to whole chunks); 0 keeps none. */
  constructor(
    private readonly store: StrictStore,
    private readonly bytes: number,
  ) {}

  /** Fills the reserve up to its size in the background; best effort (at the quota it stays as it is). */
  fill(): void {
    if (this.bytes <= 0) return;
    this.filling ??= this.topUp()
      .catch(() => undefined)
      .finally(() => (this.filling = undefined));
  }

  /** Gives the reserve up; resolves true when there was any to give. */
  async release(): Promise<boolean> {
    await this.filling;
    return this.store('readwrite', async (s) => {
      const held = await promisifyRequest(s.count(RANGE));
      if (held > 0) s.delete(RANGE);
      await promisifyRequest(s.transaction);
      return held > 0;
    });
  }

  /** Runs `write`; if the quota refuses it and there was room kept, gives that room up and runs it once more. */
  async orRelease<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof StoreError && error.code === 'QUOTA_EXCEEDED') || !(await this.release().catch(() => false))) throw error;
      return write();
    }
  }

  private async topUp(): Promise<void> {
    const wanted = Math.ceil(this.bytes / CHUNK);
    const held = await this.store('readonly', (s) => promisifyRequest(s.getAllKeys(RANGE)));
    const have = new Set(held.map((key) => (key as [string, number])[1]));
    for (let i = 0; i < wanted; i++) {
      if (have.has(i)) continue;
      // Random bytes: IndexedDB may compress values, and zeros would keep no room at all.
      await this.store('readwrite', (s) => {
        s.put(noise(CHUNK), ['reserve', i]);
        return promisifyRequest(s.transaction);
      });
    }
  }
}

function noise(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  // getRandomValues fills at most 64 KiB per call.
  for (let at = 0; at < bytes; at += 65_536) crypto.getRandomValues(out.subarray(at, Math.min(bytes, at + 65_536)));
  return out;
}
