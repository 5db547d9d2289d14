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
 *
 * Commits are announced once the task that made them durable ends, all of
 * that task's in one message: a group commit's batch is one message, not
 * one per commit, and the writer's answer goes out before any of them (in
 * Chromium's worker profile, posting one announcement took 85 µs of a
 * transfer's answer). A tab letting go of the write lock sends what it owes
 * first (tabs/lease.ts), so the next writer has heard of every commit.
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
export type TabMessage = CommitMessage | { type: 'commits'; list: CommitNote[]; by?: Writer } | { type: 'want' };

/** One durable commit, announced alone. */
export interface CommitMessage extends CommitNote {
  type: 'commit';
  by?: Writer;
}

/** A commit as announced: its number, its log entry unless it was a snapshot, the forwarded writes it holds. */
export interface CommitNote {
  seq: number;
  entry?: Uint8Array;
  outcomes?: Outcome[];
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
  onCommit: (message: CommitMessage) => void = () => {};
  /** Who this tab is, named in its announcements (set when forwarding is on). */
  writer: Writer | undefined;
  /** Commits made durable in this task, announced together once it ends. */
  private owed: CommitNote[] = [];
  /**
   * The timer (0 ms) that sends what is owed once this task ends. A message
   * to itself on a MessageChannel did the same at a similar cost, and
   * needed closing.
   */
  private flushing: ReturnType<typeof setTimeout> | undefined;

  /** `behind` is called when another tab may have committed: an announcement, or (`poll` true) the periodic poll. */
  constructor(name: string, behind: (poll: boolean) => void, pollMs = 1000) {
    this.channel = new BroadcastChannel(`pacioli:${name}`);
    this.channel.onmessage = (event: MessageEvent<TabMessage>) => {
      const message = event.data;
      if (message?.type === 'want') return this.onWant();
      const list = message?.type === 'commit' ? [message] : message?.type === 'commits' && Array.isArray(message.list) ? message.list : [];
      let heard = false;
      for (const note of list) heard = this.heard({ ...note, type: 'commit', by: message.by }) || heard;
      if (heard) behind(false);
    };
    this.poll = setInterval(() => behind(true), pollMs);
  }

  private heard(message: CommitMessage): boolean {
    if (!Number.isSafeInteger(message?.seq)) return false;
    this.announced = Math.max(this.announced, message.seq);
    if (message.entry instanceof Uint8Array) {
      this.received.set(message.seq, message.entry);
      // Bounded: a tab busy elsewhere falls back to reading the log.
      if (this.received.size > 512) this.received.delete(this.received.keys().next().value!);
    }
    this.onCommit(message);
    return true;
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
   * Tells the other tabs a commit is durable, with its log entry when it
   * has one, and the forwarded writes it holds: once this task ends, with
   * the other commits announced in it.
   */
  announce(seq: number, entry?: Uint8Array, outcomes?: Outcome[]): void {
    this.owed.push({ seq, entry, outcomes: outcomes?.length ? outcomes : undefined });
    this.flushing ??= setTimeout(() => this.flush());
  }

  /** Sends the commits announced so far (the writer lets go of the lock, or the task ended). */
  flush(): void {
    clearTimeout(this.flushing);
    this.flushing = undefined;
    const list = this.owed;
    if (list.length === 0) return;
    this.owed = [];
    this.post(list.length === 1 ? { type: 'commit', ...list[0]!, by: this.writer } : { type: 'commits', list, by: this.writer });
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
    this.flush();
    clearInterval(this.poll);
    this.channel.close();
  }
}
