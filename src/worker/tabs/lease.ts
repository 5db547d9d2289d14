/**
 * The store's write lock, kept as a lease. Writers take one Web Lock per
 * store: it dies with its tab, so a closed or crashed tab never blocks the
 * others. Asking the browser for a Web Lock costs 0.2–0.7 ms, a good part of
 * a commit, so a tab keeps the lock between its writes. Another tab that
 * wants it says so on the channel, and the holder lets go once it has had
 * the lock for a short slice; handing the lock over on every write would
 * spend more time handing over than writing. An idle holder lets go on its
 * own soon, so a tab frozen in the background rarely sits on it.
 */
import { StoreError } from '../../shared/errors';
import { stage } from '../../shared/stages';
import type { TabChannel } from './channel';

/** How long an idle tab keeps the write lock after its last write. */
const LEASE_IDLE_MS = 100;
/** How long a tab may keep writing once another tab asked for the lock, counted from when it got the lock. */
const SLICE_MS = 25;
/** How often a tab waiting for the lock repeats its wish (a holder may have missed the first); every wish wakes every tab. */
const WANT_EVERY_MS = 50;

/** The browser's lock manager failed (not a timeout): a typed error, never a raw DOMException. */
function lockFailure(error: unknown): StoreError {
  const detail = error instanceof Error || error instanceof DOMException ? `${error.name}: ${error.message}` : String(error);
  return new StoreError('BUSY', `the browser could not grant this store's write lock (${detail}); try again`, { cause: error });
}

export class WriteLease {
  private readonly lockName: string;
  /** The Web Lock while this tab holds it; `users` counts this tab's writes under it (with group commit, several at once). */
  private lease: { letGo: () => void; since: number; users: number; wanted: boolean; wantedAt: number; idle?: ReturnType<typeof setTimeout> } | undefined;
  private closed = false;
  /** Counts the leases taken: while it is unchanged, no other tab can have written. */
  leases = 0;
  /** When this tab last let go of the lock (performance.now()): what it heard of other writers before then is stale. */
  lastLetGo = -Infinity;
  /** Called right before the lock goes: what only the holder may keep open (the OPFS log's access handle) closes. */
  beforeLetGo: () => void = () => {};

  constructor(
    name: string,
    private readonly channel: TabChannel,
  ) {
    this.lockName = `pacioli:${name}:write`;
    channel.onWant = () => {
      if (this.lease) this.lease.wantedAt = performance.now();
      if (this.lease && !this.lease.wanted) {
        this.lease.wanted = true;
        if (this.lease.users === 0) this.letGoLater(this.lease);
      }
    };
  }

  /** The number of the lease this tab holds now, if it holds the lock: no other tab can write meanwhile. */
  held(): number | undefined {
    return this.lease ? this.leases : undefined;
  }

  /**
   * Takes the store's write lock, waiting at most `waitMs`. Resolves to its
   * release (which keeps the lease unless another tab asked for it). A tab
   * frozen while holding it keeps it (browsers do not take it back);
   * waiting tabs then fail with `BUSY` rather than hang.
   */
  async acquire(waitMs: number): Promise<(handOver?: boolean) => void> {
    if (this.closed) throw new StoreError('CLOSED', 'the store is closed');
    stage('commit:lease-wait');
    if (!this.lease) await this.request(waitMs);
    stage('commit:lease-held');
    const lease = this.lease!;
    clearTimeout(lease.idle);
    lease.users++;
    let done = false;
    // `handOver`: let go at once, keeping no lease (the caller has long work ahead that holds up this
    // worker's event loop, so it could neither hear another tab ask nor let go on time).
    return (handOver = false) => {
      if (done) return;
      done = true;
      lease.users--;
      if (lease !== this.lease || lease.users > 0) return;
      if (this.closed || handOver) this.letGo();
      else this.letGoLater(lease);
    };
  }

  /**
   * Takes the lock only if it is free this instant (kept as an idle lease
   * for the write about to run); false when another tab holds it. Never
   * waits and never asks the holder to let go.
   */
  async tryHold(): Promise<boolean> {
    if (this.closed) throw new StoreError('CLOSED', 'the store is closed');
    if (this.lease) return true;
    const held = await this.request(0, { onlyIfFree: true });
    if (held && this.lease) this.letGoLater(this.lease);
    return held;
  }

  /** Between writes: keep the lease while idle for a while, or till the end of the slice when another tab asked. */
  private letGoLater(lease: NonNullable<WriteLease['lease']>): void {
    clearTimeout(lease.idle);
    // A wish not repeated lately is over: the tab got the lock meanwhile, or handed its write to this one
    // (core/forwarding.ts). Letting go then would only start the lock going round again.
    if (lease.wanted && performance.now() - lease.wantedAt > 2 * WANT_EVERY_MS) lease.wanted = false;
    const wait = lease.wanted ? lease.since + SLICE_MS - performance.now() : LEASE_IDLE_MS;
    if (wait <= 0) this.letGo();
    else lease.idle = setTimeout(() => this.letGo(), wait);
  }

  private async request(waitMs: number, options: { onlyIfFree?: boolean } = {}): Promise<boolean> {
    let letGo!: () => void;
    const held = new Promise<void>((resolve) => (letGo = resolve));
    // A lock won after waiting was contended: others likely wait too, and their wishes reached
    // this tab before it held the lock. So that lease is a slice from the start.
    const grant = (contended: boolean): Promise<void> => {
      this.lease = { letGo, since: performance.now(), users: 0, wanted: contended, wantedAt: performance.now() };
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
    if (free) return true;
    if (options.onlyIfFree) return false;
    // Someone holds it, perhaps only as an idle lease: ask, and keep asking while waiting.
    const want = () => this.channel.want();
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
    return true;
  }

  private letGo(): void {
    const lease = this.lease;
    if (!lease || lease.users > 0) return;
    clearTimeout(lease.idle);
    this.lease = undefined;
    this.lastLetGo = performance.now();
    try {
      this.channel.flush(); // the next writer hears of every commit of this lease before it can write
      this.beforeLetGo();
    } finally {
      lease.letGo();
    }
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

  close(): void {
    this.closed = true;
    this.letGo();
  }
}
