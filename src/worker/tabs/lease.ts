/**
 * How the tabs of one origin act as one database. Each tab's worker keeps
 * its own copy; the IndexedDB log is the truth between them.
 *  - Writers take one Web Lock per store (it dies with its tab, so a closed
 *    or crashed tab never blocks the others) and catch up before writing.
 *  - A tab keeps the lock between its writes (a lease): asking the browser
 *    for a Web Lock costs 0.2–0.7 ms, a good part of a commit. Another tab
 *    that wants it says so on the channel, and the holder lets go once it
 *    has had the lock for a short slice; handing the lock over on every
 *    write would spend more time handing over than writing. An idle holder
 *    lets go on its own soon, so a tab frozen in the background rarely sits on it.
 *  - After a durable commit a tab announces it on a BroadcastChannel, with
 *    the log entry itself: the others apply it without reading IndexedDB.
 *    A lost or late message only delays visibility: every tab also polls
 *    the log, and a gap in what arrived sends a tab to the log.
 */
import { StoreError } from '../../shared/errors';

/** What tabs tell each other: a durable commit (with its log entry, unless it was a snapshot), or a wish for the write lock. */
export type TabMessage = { type: 'commit'; seq: number; entry?: Uint8Array } | { type: 'want' };

/** How long an idle tab keeps the write lock after its last write. */
const LEASE_IDLE_MS = 100;
/** How long a tab may keep writing once another tab asked for the lock, counted from when it got the lock. */
const SLICE_MS = 25;
/** How often a tab waiting for the lock repeats its wish (a holder may have missed the first); every wish wakes every tab. */
const WANT_EVERY_MS = 50;

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

/** The browser's lock manager failed (not a timeout): a typed error, never a raw DOMException. */
function lockFailure(error: unknown): StoreError {
  const detail = error instanceof Error || error instanceof DOMException ? `${error.name}: ${error.message}` : String(error);
  return new StoreError('BUSY', `the browser could not grant this store's write lock (${detail}); try again`, { cause: error });
}

export class TabSync {
  private readonly channel: BroadcastChannel;
  private readonly poll: ReturnType<typeof setInterval>;
  private readonly lockName: string;
  /** The Web Lock while this tab holds it; `inUse` while a write of this tab runs under it. */
  private lease: { letGo: () => void; since: number; inUse: boolean; wanted: boolean; idle?: ReturnType<typeof setTimeout> } | undefined;
  private closed = false;

  /** The highest commit another tab announced: a hint only (a message may be late), never the truth. */
  announced = 0;
  /** Log entries other tabs announced, by commit, until this tab applies them (`take`). */
  private readonly received = new Map<number, Uint8Array>();
  /** Counts the leases taken: while it is unchanged, no other tab can have written. */
  leases = 0;

  /** `behind` is called when another tab may have committed: an announcement, or (`poll` true) the periodic poll. */
  constructor(name: string, behind: (poll: boolean) => void, pollMs = 1000) {
    this.lockName = `pacioli:${name}:write`;
    this.channel = new BroadcastChannel(`pacioli:${name}`);
    this.channel.onmessage = (event: MessageEvent<TabMessage>) => {
      const message = event.data;
      if (message?.type === 'want') {
        if (this.lease && !this.lease.wanted) {
          this.lease.wanted = true;
          if (!this.lease.inUse) this.letGoLater(this.lease);
        }
        return;
      }
      if (message?.type !== 'commit' || !Number.isSafeInteger(message.seq)) return;
      this.announced = Math.max(this.announced, message.seq);
      if (message.entry instanceof Uint8Array) {
        this.received.set(message.seq, message.entry);
        // Bounded: a tab busy elsewhere falls back to reading the log.
        if (this.received.size > 512) this.received.delete(this.received.keys().next().value!);
      }
      behind(false);
    };
    this.poll = setInterval(() => behind(true), pollMs);
  }

  /**
   * The entries announced after `seq` up to `upTo`, if every one of them
   * arrived; undefined when one is missing (read the log instead).
   */
  take(seq: number, upTo: number): { seq: number; bytes: Uint8Array }[] | undefined {
    for (const key of this.received.keys()) if (key <= seq) this.received.delete(key);
    const out: { seq: number; bytes: Uint8Array }[] = [];
    for (let s = seq + 1; s <= upTo; s++) {
      const bytes = this.received.get(s);
      if (!bytes) return undefined;
      out.push({ seq: s, bytes });
    }
    return out;
  }

  /**
   * Takes the store's write lock, waiting at most `waitMs`. Resolves to its
   * release (which keeps the lease unless another tab asked for it). A tab
   * frozen while holding it keeps it (browsers do not take it back);
   * waiting tabs then fail with `BUSY` rather than hang.
   */
  async acquire(waitMs: number): Promise<(handOver?: boolean) => void> {
    if (this.closed) throw new StoreError('CLOSED', 'the store is closed');
    if (!this.lease) await this.request(waitMs);
    const lease = this.lease!;
    clearTimeout(lease.idle);
    lease.inUse = true;
    let done = false;
    // `handOver`: let go at once, keeping no lease (the caller has long work ahead that holds up this
    // worker's event loop, so it could neither hear another tab ask nor let go on time).
    return (handOver = false) => {
      if (done) return;
      done = true;
      lease.inUse = false;
      if (lease !== this.lease) return;
      if (this.closed || handOver) this.letGo();
      else this.letGoLater(lease);
    };
  }

  /** Between writes: keep the lease while idle for a while, or till the end of the slice when another tab asked. */
  private letGoLater(lease: NonNullable<TabSync['lease']>): void {
    clearTimeout(lease.idle);
    const wait = lease.wanted ? lease.since + SLICE_MS - performance.now() : LEASE_IDLE_MS;
    if (wait <= 0) this.letGo();
    else lease.idle = setTimeout(() => this.letGo(), wait);
  }

  private async request(waitMs: number): Promise<void> {
    let letGo!: () => void;
    const held = new Promise<void>((resolve) => (letGo = resolve));
    // A lock won after waiting was contended: others likely wait too, and their wishes reached
    // this tab before it held the lock. So that lease is a slice from the start.
    const grant = (contended: boolean): Promise<void> => {
      this.lease = { letGo, since: performance.now(), inUse: false, wanted: contended };
      this.leases++;
      return held;
    };
    // The common case, one tab writing: no message, no wait.
    const free = await new Promise<boolean>((answer, fail) => {
      navigator.locks
        .request(this.lockName, { mode: 'exclusive', ifAvailable: true }, (lock) => {
          answer(lock !== null);
          return lock ? grant(false) : undefined;
        })
        .catch((error: unknown) => fail(lockFailure(error)));
    });
    if (free) return;
    // Someone holds it, perhaps only as an idle lease: ask, and keep asking while waiting.
    const want = () => this.channel.postMessage({ type: 'want' } satisfies TabMessage);
    want();
    const asking = setInterval(want, WANT_EVERY_MS);
    try {
      await new Promise<void>((granted, refused) => {
        navigator.locks
          .request(this.lockName, { mode: 'exclusive', signal: AbortSignal.timeout(waitMs) }, () => {
            granted();
            return grant(true);
          })
          .catch((error: unknown) =>
            refused(
              (error as { name?: unknown } | null)?.name === 'TimeoutError' || (error as { name?: unknown } | null)?.name === 'AbortError'
                ? new StoreError('BUSY', `another tab held this store's write lock for more than ${waitMs} ms`)
                : lockFailure(error),
            ),
          );
      });
    } finally {
      clearInterval(asking);
    }
  }

  private letGo(): void {
    const lease = this.lease;
    if (!lease || lease.inUse) return;
    clearTimeout(lease.idle);
    this.lease = undefined;
    lease.letGo();
  }

  /** Runs `fn` holding the write lock; `handOver` lets it go right after instead of keeping the lease. */
  async withLock<T>(waitMs: number, fn: () => Promise<T>, options: { handOver?: boolean } = {}): Promise<T> {
    const release = await this.acquire(waitMs);
    try {
      return await fn();
    } finally {
      release(options.handOver);
    }
  }

  /** Tells the other tabs a commit is durable, with its log entry when it has one. */
  announce(seq: number, entry?: Uint8Array): void {
    try {
      this.channel.postMessage({ type: 'commit', seq, entry } satisfies TabMessage);
    } catch {
      // A closed channel: the commit is durable all the same, and other tabs find it when they poll the log.
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.poll);
    this.letGo();
    this.channel.close();
  }
}
