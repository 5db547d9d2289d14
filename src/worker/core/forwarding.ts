/**
 * Write forwarding. A tab that does not hold the store's write lock hands a
 * write to the tab that does, which runs it with its own writes, in its own
 * group commit. Taking the lock in turns, four busy tabs spent most of each
 * turn catching up and proving themselves current (tabs/lease.ts); with
 * forwarding, one tab writes for all of them, and the others only take in
 * its commits.
 *
 * What a write's caller is promised stays as it is: "done" only once its
 * change is durable, and its own tab sees the change before the caller
 * hears of it. What forwarding adds is the case where the writing tab dies
 * with a handed-over write: it may have committed it or not, and cannot
 * say. So the write's id is committed with it (outcomes.ts), and the sender,
 * once it knows the writer is gone (its liveness lock, tabs/forward-link.ts),
 * runs the write itself under the lock through the same `once`: a write
 * already committed is not run again, and its recorded result is the answer.
 *
 * A write is handed over only when another tab announced a commit a moment
 * ago (so it likely still holds the lock) and runs the same code (`codeKey`:
 * the ledger's operations and the schema version this tab knows). The
 * writer refuses it when it no longer holds the lock, or past the
 * sender's deadline; the sender then takes the lock itself, as without
 * forwarding. Transactions and sync steps always take the lock themselves.
 */
import { isStoreError, StoreError } from '../../shared/errors';
import type { Sql } from '../../shared/types';
import type { TabChannel, TabMessage } from '../tabs/channel';
import { ForwardLink, type ForwardedCall, type InboxMessage, type Writer } from '../tabs/forward-link';
import type { Commits } from './commit';
import { ForwardServer } from './forward-serve';
import { keepsOutcomes, once } from './outcomes';
import { crc32 } from '../sql/codec';

export type { ForwardedCall };
import type { Session } from './session';

/** Bumped whenever what tabs send each other changes: tabs on different versions never forward. */
const PROTOCOL = 1;
/** Hand a write over only to a tab that announced a commit this recently: it keeps the lock 100 ms after its last write (lease.ts). */
const FRESH_MS = 80;
/** How many times a write refused by a tab that let go of the lock is handed to the next writer, before it queues for the lock. */
const MAX_TRIES = 3;
/** How long a write waits for the tab holding the lock to announce a commit, before it queues for the lock. */
const WAIT_FOR_WRITER_MS = 30;
/** After the deadline the writer refuses a write it has not started; this long after, the sender stops waiting for its answer. */
const GRACE_MS = 50;

/** How a handed-over write went, as far as the sender knows. */
type Answer = { kind: 'committed'; seq: number; result: unknown } | { kind: 'failed'; error: StoreError } | { kind: 'declined'; retry: boolean } | { kind: 'gone' } | { kind: 'late' };

export class Forwarding {
  private link: ForwardLink | undefined;
  private key = '';
  /** The tab that announced the latest commit of another tab, and when. */
  private writer: (Writer & { at: number }) | undefined;
  private readonly waiting = new Map<string, (answer: Answer) => void>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Waiting for another tab's next commit (`nextCommit`). */
  private onNextCommit: (() => void)[] = [];
  /** This tab's copy had the record of handed-over writes (outcomes.ts) when it last looked. */
  private recordSeen = false;
  /** Writes out with each writing tab, until their answers come. */
  private readonly out = new Map<string, Set<string>>();
  /** The latest write handed over, until its answer comes. */
  private lastSent: string | undefined;
  /** Answers are concluded one at a time (conclude), in the order they came. */
  private concluding: Promise<unknown> = Promise.resolve();
  readonly counts = { forwardedWrites: 0, servedWrites: 0 };
  /** The writer's side: other tabs' writes run here (forward-serve.ts). */
  private readonly server: ForwardServer;

  constructor(
    private readonly session: Session,
    private readonly commits: Commits,
  ) {
    this.server = new ForwardServer(session, commits, (call) => this.prepare(call), this.counts);
  }

  /**
   * How this tab runs a handed-over call: what `api.ts` would run for it
   * (checked there as its own calls are), and the source of the code that
   * decides what a ledger operation writes.
   */
  prepare: (call: ForwardedCall) => Promise<(sql: Sql) => unknown> = () => Promise.reject(new StoreError('INTERNAL', 'forwarding is not set up'));
  code = '';

  /**
   * At open, once the store's channel exists. Tabs hand writes only to tabs
   * with the same key: the protocol, the schema version this code knows,
   * the durability asked for (a strict tab's write must not commit relaxed),
   * and the code that decides what a write does.
   */
  start(name: string, channel: TabChannel, schemaVersion: number, durability: string): void {
    this.link = new ForwardLink(name, (message) => this.fromInbox(message));
    this.key = `${PROTOCOL}:${schemaVersion}:${durability}:${crc32(new TextEncoder().encode(this.code)).toString(36)}`;
    channel.writer = { tab: this.link.tab, key: this.key };
    channel.onCommit = (message) => this.heard(message);
  }

  /**
   * Runs a write: handed to the tab holding the lock where one is writing,
   * else here (`fn`, through the commit path). Resolves once durable and
   * taken in by this tab. The choice is made in this tab's turn, so the
   * tab's calls keep their order: the writer runs handed-over writes in the
   * order they were sent, and this tab's later calls wait for their answers.
   */
  write<T>(call: ForwardedCall, fn: (sql: Sql) => T): Promise<T> {
    return this.commits.autocommit(fn, async () => {
      if (!this.link) return undefined;
      // Whether the store keeps the record (below) is judged on a copy with everything this tab heard of, until
      // it was seen once. (With writes still out, answers are being taken in outside the turn: not now.)
      if (!this.recordSeen && this.inFlight.size === 0) await this.commits.catchUp.beforeCall();
      const to = await this.writerNow();
      if (!to) return undefined;
      this.session.guardWrite(true); // as the write would here
      const handed = this.handOver(to, call, fn);
      this.inFlight.add(handed);
      void handed.catch(() => undefined).finally(() => this.inFlight.delete(handed));
      return { handed };
    });
  }

  /** Resolves once every write this tab handed over has its answer and is taken in (or was run here after all). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  close(): void {
    this.link?.close();
  }

  /**
   * The tab to hand a write to: the one that announced a commit a moment
   * ago. If none did and another tab holds the lock (just handed over, say),
   * waits a moment for that tab's next commit rather than queue for the
   * lock, which would set it going round; if the lock is free, takes it
   * (undefined: run here).
   */
  private async writerNow(): Promise<Writer | undefined> {
    const to = this.target();
    const lease = this.session.lease();
    if (to || !this.writer || lease.held() !== undefined || (await lease.tryHold())) return to;
    await this.nextCommit(WAIT_FOR_WRITER_MS);
    return this.target();
  }

  /** Resolves at another tab's next announced commit, or after `ms`. */
  private nextCommit(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        const i = this.onNextCommit.indexOf(done);
        if (i >= 0) this.onNextCommit.splice(i, 1); // timed out: not left for the next announcement
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.onNextCommit.push(done);
    });
  }

  private target(): Writer | undefined {
    const { link, writer } = this;
    const lease = this.session.lease();
    if (!link || !writer || writer.tab === link.tab || writer.key !== this.key) return undefined;
    // Heard before this tab last held the lock itself: that tab has let go of it since.
    if (writer.at < lease.lastLetGo || performance.now() - writer.at > FRESH_MS || lease.held() !== undefined) return undefined;
    // Seen once, taken for granted: a store that lost it since (a restore of an older backup) makes the writer decline.
    this.recordSeen ||= this.inFlight.size === 0 && keepsOutcomes(this.session.ready().engine);
    return this.recordSeen ? writer : undefined;
  }

  /** Sends the write, and concludes once its answer comes: the answers are dealt with one at a time, in the order they came. */
  private handOver<T>(to: Writer, call: ForwardedCall, fn: (sql: Sql) => T, again?: { tries: number }): Promise<T> {
    const link = this.link!;
    const id = crypto.randomUUID();
    const deadline = Date.now() + this.session.lockWaitMs();
    // The previous write handed over and not yet answered: the writer refuses this one unless it took that one.
    // Sent again after a refusal (`again`): in its place among the answers, before any later one is dealt with.
    const after = again ? undefined : this.lastSent;
    if (!again) this.lastSent = id;
    const answer = new Promise<Answer>((resolve) => this.waiting.set(id, resolve));
    const timer = setTimeout(() => this.waiting.get(id)?.({ kind: 'late' }), deadline - Date.now() + GRACE_MS);
    this.outTo(to.tab).add(id);
    link.send(to.tab, { type: 'forward', id, from: link.tab, key: this.key, call, deadline, after });
    return answer.then((got) => {
      clearTimeout(timer);
      this.waiting.delete(id);
      this.out.get(to.tab)?.delete(id);
      if (this.lastSent === id) this.lastSent = undefined;
      // A tab that refused a write no longer writes for others, until it announces a commit again.
      if (got.kind === 'declined' && this.writer?.tab === to.tab) this.writer = { ...this.writer, at: -Infinity };
      const conclude = () => this.conclude(id, got, call, fn, again?.tries ?? 0);
      return again ? conclude() : this.oneAtATime(conclude);
    });
  }

  /** The writes out with tab `tab`; the first time, this tab starts watching for that tab's end (one watch per tab). */
  private outTo(tab: string): Set<string> {
    let ids = this.out.get(tab);
    if (!ids) {
      const watching = new Set<string>();
      ids = watching;
      this.out.set(tab, ids);
      void this.link!.gone(tab).then(() => {
        this.out.delete(tab);
        for (const id of watching) this.waiting.get(id)?.({ kind: 'gone' });
      });
    }
    return ids;
  }

  private async conclude<T>(id: string, got: Answer, call: ForwardedCall, fn: (sql: Sql) => T, tries: number): Promise<T> {
    const runHere = () => this.commits.autocommitHandedBack((sql) => once(sql, id, () => fn(sql)).result);
    switch (got.kind) {
      case 'committed':
        this.counts.forwardedWrites++;
        await this.takenIn(got.seq);
        return got.result as T;
      case 'failed':
        this.counts.forwardedWrites++;
        throw got.error;
      case 'declined': {
        // Never run there: as if it had never been handed over. Refused only because that tab let go of the lock
        // (or of an earlier write of this tab's): hand it to whichever tab writes now, rather than queue for the lock,
        // which would set the lock going round again.
        const to = got.retry && tries < MAX_TRIES ? await this.writerNow() : undefined;
        return to ? this.handOver(to, call, fn, { tries: tries + 1 }) : runHere();
      }
      default:
        // Gone, or silent past the deadline: it may have committed the write. Only under the lock,
        // which it held, is that known; a `BUSY` here says nothing about the write, so wait on.
        for (;;) {
          try {
            return await runHere();
          } catch (error) {
            if (!isStoreError(error, 'BUSY')) throw error;
          }
        }
    }
  }

  private oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.concluding.then(fn);
    this.concluding = next.catch(() => undefined);
    return next;
  }

  /**
   * The write committed as `seq`: this tab takes it in before its caller
   * hears "done" (reads right after see it). Not in the tab's turn: every
   * call after the handed-over write waits for it there (`settle`).
   */
  private async takenIn(seq: number): Promise<void> {
    const replica = this.session.ready();
    if (replica.seq < seq) await replica.catchUp(); // from the announcements, or the log
    if (replica.seq < seq) await replica.refresh();
  }

  /** Another tab's announcement: who writes now, and which of this tab's handed-over writes committed. */
  private heard(message: Extract<TabMessage, { type: 'commit' }>): void {
    if (message.by && typeof message.by.tab === 'string') this.writer = { tab: message.by.tab, key: String(message.by.key), at: performance.now() };
    for (const wake of this.onNextCommit.splice(0)) wake();
    for (const outcome of message.outcomes ?? []) this.waiting.get(outcome.id)?.({ kind: 'committed', seq: message.seq, result: outcome.result });
  }

  private fromInbox(message: InboxMessage): void {
    if (message.type === 'forward') {
      void this.server.serve(this.link!, this.key, message);
      return;
    }
    const answer = this.waiting.get(message.id);
    if (!answer) return;
    if (message.type === 'declined') {
      if (message.noRecord) this.recordSeen = false;
      answer({ kind: 'declined', retry: message.retry === true });
    }
    else if (message.type === 'done') answer({ kind: 'committed', seq: message.seq, result: message.result });
    else answer({ kind: 'failed', error: new StoreError(message.error.code, message.error.message, { sqliteCode: message.error.sqliteCode }) });
  }
}
