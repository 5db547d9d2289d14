/**
 * How the tabs of one origin act as one database. Each tab's worker keeps
 * its own copy; the IndexedDB log is the truth between them.
 *  - Writers take one Web Lock per store (it dies with its tab, so a closed
 *    or crashed tab never blocks the others) and catch up before writing.
 *  - After a durable commit a tab announces it on a BroadcastChannel; the
 *    others catch up from the log. A lost or late message only delays
 *    visibility: every tab also polls the log.
 */
import { StoreError } from '../shared/errors';

/** What a tab tells the others after a durable commit. */
export interface CommitAnnouncement {
  type: 'commit';
  seq: number;
}

/** Checks the browser has what cross-tab safety needs; never runs silently unsafe. */
export function checkTabSupport(): void {
  const missing = [
    (globalThis.navigator as Navigator | undefined)?.locks ? undefined : 'the Web Locks API',
    typeof BroadcastChannel === 'function' ? undefined : 'BroadcastChannel',
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new StoreError('UNSUPPORTED', `this browser lacks ${missing.join(' and ')}, which Pacioli needs to keep tabs consistent (an insecure context hides Web Locks)`);
  }
}

export class TabSync {
  private readonly channel: BroadcastChannel;
  private readonly poll: ReturnType<typeof setInterval>;
  private readonly lockName: string;

  /** The highest commit another tab announced: a hint only (a message may be late), never the truth. */
  announced = 0;

  /** `behind` is called when another tab may have committed (an announcement, or the periodic poll). */
  constructor(name: string, behind: () => void, pollMs = 1000) {
    this.lockName = `pacioli:${name}:write`;
    this.channel = new BroadcastChannel(`pacioli:${name}`);
    this.channel.onmessage = (event: MessageEvent<CommitAnnouncement>) => {
      if (event.data?.type !== 'commit') return;
      this.announced = Math.max(this.announced, event.data.seq);
      behind();
    };
    this.poll = setInterval(behind, pollMs);
  }

  /**
   * Takes the store's write lock, waiting at most `waitMs`. Resolves to its
   * release. A tab frozen while holding it keeps it (browsers do not take it
   * back); waiting tabs then fail with `BUSY` rather than hang.
   */
  async acquire(waitMs: number): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await new Promise<void>((granted, refused) => {
      navigator.locks
        .request(this.lockName, { mode: 'exclusive', signal: AbortSignal.timeout(waitMs) }, () => {
          granted();
          return held;
        })
        .catch(() => refused(new StoreError('BUSY', `another tab held this store's write lock for more than ${waitMs} ms`)));
    });
    return release;
  }

  /** Runs `fn` holding the write lock. */
  async withLock<T>(waitMs: number, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(waitMs);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Tells the other tabs a commit is durable. */
  announce(seq: number): void {
    this.channel.postMessage({ type: 'commit', seq } satisfies CommitAnnouncement);
  }

  close(): void {
    clearInterval(this.poll);
    this.channel.close();
  }
}
