/**
 * What the tabs of one origin tell each other, on one BroadcastChannel per
 * store. Each tab's worker keeps its own copy of the database; the
 * IndexedDB log is the truth between them, and the channel only speeds
 * things up:
 *  - After a durable commit a tab announces it, with the log entry itself:
 *    the others apply it without reading IndexedDB.
 *  - A tab waiting for the write lock says so (`want`), so the holder of an
 *    idle lease lets go (tabs/lease.ts).
 * A lost or late message only delays visibility: every tab also polls the
 * log, and a gap in what arrived sends a tab to the log.
 */
import { StoreError } from '../../shared/errors';
import type { Writer } from './forward-link';

/** A forwarded write that committed, as its writer announces it: the sender's id for it, and its result. */
export interface Outcome {
  id: string;
  result: unknown;
}

/**
 * What tabs tell each other: a durable commit (with its log entry, unless it
 * was a snapshot; who wrote it; the forwarded writes it holds), or a wish for
 * the write lock.
 */
export type TabMessage = { type: 'commit'; seq: number; entry?: Uint8Array; by?: Writer; outcomes?: Outcome[] } | { type: 'want' };

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

export class TabChannel {
  private readonly channel: BroadcastChannel;
  private readonly poll: ReturnType<typeof setInterval>;
  /** The highest commit another tab announced: a hint only (a message may be late), never the truth. */
  announced = 0;
  /** Log entries other tabs announced, by commit, until this tab applies them (`take`). */
  private readonly received = new Map<number, Uint8Array>();
  /** Called when another tab asks for the write lock. */
  onWant: () => void = () => {};
  /** Called with every announcement of another tab's commit, once its entry is kept (core/forwarding.ts). */
  onCommit: (message: Extract<TabMessage, { type: 'commit' }>) => void = () => {};
  /** Who this tab is, named in its announcements (set when forwarding is on). */
  writer: Writer | undefined;

  /** `behind` is called when another tab may have committed: an announcement, or (`poll` true) the periodic poll. */
  constructor(name: string, behind: (poll: boolean) => void, pollMs = 1000) {
    this.channel = new BroadcastChannel(`pacioli:${name}`);
    this.channel.onmessage = (event: MessageEvent<TabMessage>) => {
      const message = event.data;
      if (message?.type === 'want') return this.onWant();
      if (message?.type !== 'commit' || !Number.isSafeInteger(message.seq)) return;
      this.announced = Math.max(this.announced, message.seq);
      if (message.entry instanceof Uint8Array) {
        this.received.set(message.seq, message.entry);
        // Bounded: a tab busy elsewhere falls back to reading the log.
        if (this.received.size > 512) this.received.delete(this.received.keys().next().value!);
      }
      this.onCommit(message);
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

  /** Tells the other tabs a commit is durable, with its log entry when it has one, and the forwarded writes it holds. */
  announce(seq: number, entry?: Uint8Array, outcomes?: Outcome[]): void {
    this.post({ type: 'commit', seq, entry, by: this.writer, outcomes: outcomes?.length ? outcomes : undefined });
  }

  /** Tells the holder of the write lock that this tab waits for it. */
  want(): void {
    this.post({ type: 'want' });
  }

  private post(message: TabMessage): void {
    try {
      this.channel.postMessage(message);
    } catch {
      // A closed channel: a commit is durable all the same (others find it when they poll the log),
      // and a waiting tab repeats its wish.
    }
  }

  close(): void {
    clearInterval(this.poll);
    this.channel.close();
  }
}
