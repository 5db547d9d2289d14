/**
 * How tabs hand writes to the tab holding the write lock (core/forwarding.ts
 * decides when; this file only carries the messages).
 *
 * Each tab's worker has an id and an inbox: a BroadcastChannel of its own
 * name, which only that worker listens on. It also holds a Web Lock of the
 * same name for as long as it lives; the browser grants that lock to
 * another tab only once the worker is gone (closed, crashed, its tab
 * killed), which no event reports otherwise. A tab waiting for an answer
 * from the writing tab asks for that lock, and so learns at once when no
 * answer can come.
 *
 * Answers that a write committed ride on the writer's announcement of the
 * commit (tabs/channel.ts), on the store's channel: the sender then has the
 * entry before it hears of its outcome. Only refusals and errors come
 * through the inbox.
 */
import type { LedgerOpName } from '../../shared/contract';
import type { ErrorCode } from '../../shared/errors';
import type { SqlParams } from '../../shared/types';

/** A write one tab hands to another: a statement, or a ledger operation by name. */
export type ForwardedCall = { kind: 'run'; sql: string; params: SqlParams | undefined } | { kind: 'ledger'; op: LedgerOpName; args: readonly unknown[] };

/** What tabs send each other's inboxes. */
export type InboxMessage =
  /**
   * Run `call` for tab `from` unless past `deadline` (ms since the epoch);
   * `key` says what code the sender runs; `after` is the sender's previous
   * write still unanswered when it sent this one, which must run first.
   */
  | { type: 'forward'; id: string; from: string; key: string; call: ForwardedCall; deadline: number; after: string | undefined }
  /**
   * The write was not run and never will be by this tab: the sender runs it
   * itself, or (`retry`: this tab let go of the lock) hands it to the tab
   * that writes now. `noRecord`: the store keeps no record of handed-over writes.
   */
  | { type: 'declined'; id: string; reason: string; retry?: boolean; noRecord?: boolean }
  /** The write ran and failed, as it would have in the sender's own tab: nothing was written. */
  | { type: 'failed'; id: string; error: { code: ErrorCode; message: string; sqliteCode?: string } }
  /** The write had committed already (its id was recorded): its result, and the commit that holds it. */
  | { type: 'done'; id: string; seq: number; result: unknown };

/** Who wrote a commit, as announced: the tab's id and the code it runs (core/forwarding.ts `codeKey`). */
export interface Writer {
  tab: string;
  key: string;
}

export class ForwardLink {
  /** This worker's id among the store's tabs. */
  readonly tab = crypto.randomUUID();
  private readonly inbox: BroadcastChannel;
  private readonly outboxes = new Map<string, BroadcastChannel>();
  /** Resolves the liveness lock's hold at close. */
  private letGoAlive: () => void = () => {};
  private readonly watches = new Map<string, { gone: Promise<void>; stop: AbortController }>();
  private closed = false;

  constructor(
    private readonly name: string,
    onMessage: (message: InboxMessage) => void,
  ) {
    this.inbox = new BroadcastChannel(this.address(this.tab));
    this.inbox.onmessage = (event: MessageEvent<InboxMessage>) => {
      if (typeof event.data?.id === 'string') onMessage(event.data);
    };
    // Held until close or death; a failure (no Web Locks) was already refused at open (channel.ts checkTabSupport).
    void navigator.locks
      .request(this.address(this.tab), () => (this.closed ? undefined : new Promise<void>((resolve) => (this.letGoAlive = resolve))))
      .catch(() => undefined);
  }

  private address(tab: string): string {
    return `pacioli:${this.name}:tab:${tab}`;
  }

  /** Posts `message` to tab `to`'s inbox. A closed channel drops it: the sender's wait for `gone` or its deadline covers that. */
  send(to: string, message: InboxMessage): void {
    let outbox = this.outboxes.get(to);
    if (!outbox) {
      // One per tab talked to; the few tabs of a store keep this small, and a tab gone is dropped (`gone`).
      outbox = new BroadcastChannel(this.address(to));
      this.outboxes.set(to, outbox);
    }
    try {
      outbox.postMessage(message);
    } catch {
      // As a lost message.
    }
  }

  /** Resolves once tab `tab`'s worker is gone: its liveness lock was granted to this tab (and given back at once). */
  gone(tab: string): Promise<void> {
    let watch = this.watches.get(tab);
    if (!watch) {
      const stop = new AbortController();
      const gone = navigator.locks
        .request(this.address(tab), { signal: stop.signal }, () => undefined)
        .then(() => {
          this.outboxes.get(tab)?.close();
          this.outboxes.delete(tab);
        });
      // An abort (this tab closing) never resolves: nobody waits on it any more.
      watch = { gone: gone.catch(() => new Promise<void>(() => undefined)), stop };
      this.watches.set(tab, watch);
    }
    return watch.gone;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.inbox.close();
    for (const outbox of this.outboxes.values()) outbox.close();
    for (const watch of this.watches.values()) watch.stop.abort();
    this.letGoAlive();
  }
}
