/**
 * The sync loop of one ledger, on the page: push the outbox oldest first,
 * then keep one long-poll open for the canonical log, applying what comes
 * (the worker rebases, src/sync/rebase.ts), and start again. A new local op
 * (in any tab: the outbox is watched) cuts the long-poll short so it is
 * pushed at once; after a failure it backs off from 1 s to 30 s, and the
 * browser's `online` event cuts the wait short. Only one tab of the origin
 * runs the loop for a ledger (a Web Lock), the others wait to take over.
 *
 * The loop keeps nothing that matters in memory: the outbox, the cursor and
 * the canonical log are in SQLite, so a reload mid-push resends the same ops
 * (same device numbers and keys), which the server answers without applying
 * them again.
 */
import type { SyncCredentials } from '../sync/device-types';
import type { PendingOp, PullAnswer, PushAnswer } from '../sync/protocol';
import { StoreError } from '../shared/errors';
import type { Store } from './store';
import { request, SyncRefusal } from './sync-http';

/** How long a pull waits for news, in seconds (server README: 25). */
const LONG_POLL_S = 25;
const BACKOFF_MS = [1000, 30_000] as const;

/** The loop's live condition, as the tab running it sees it. */
export interface EngineLive {
  connection: 'stopped' | 'other-tab' | 'online' | 'offline';
  lastError: string | null;
}

/** Waits `ms`; true when `signal` cut the wait short. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve(true)), { once: true });
  });
}

export class SyncEngine {
  live: EngineLive = { connection: 'stopped', lastError: null };
  private stopper: AbortController | undefined;
  private waker = new AbortController();
  /** A push sent whose answer never came: it is sent again unchanged. */
  private unanswered: PendingOp[] | undefined;

  constructor(
    private readonly store: Store,
    private readonly changed: () => void,
  ) {}

  private set(live: Partial<EngineLive>): void {
    const next = { ...this.live, ...live };
    if (next.connection === this.live.connection && next.lastError === this.live.lastError) return;
    this.live = next;
    this.changed();
  }

  /** Ends the current long-poll or back-off wait: there is something to push, or the network is back. */
  wake(): void {
    this.waker.abort();
  }

  get running(): boolean {
    return this.stopper !== undefined;
  }

  start(): void {
    if (this.stopper) return;
    const stopper = (this.stopper = new AbortController());
    const stop = stopper.signal;
    const onOnline = () => this.wake();
    const onOffline = () => (this.set({ connection: 'offline' }), this.wake());
    addEventListener('online', onOnline);
    addEventListener('offline', onOffline);
    const unwatch = this.store.watch<{ n: number }>(`SELECT count(*) AS n FROM sync_outbox WHERE seq IS NULL`, undefined, (rows) => {
      if ((rows[0]?.n ?? 0) > 0) this.wake();
    });
    this.set({ connection: 'other-tab' });
    void navigator.locks
      .request(`pacioli-sync:${this.store.name}`, { signal: stop }, () => this.loop(stop))
      .catch(() => undefined) // aborted while waiting for the lock: stopped
      .finally(() => {
        unwatch();
        removeEventListener('online', onOnline);
        removeEventListener('offline', onOffline);
        this.set({ connection: 'stopped' });
      });
  }

  stop(): void {
    this.stopper?.abort();
    this.stopper = undefined;
    this.wake();
  }

  private async loop(stop: AbortSignal): Promise<void> {
    let backoff: number = BACKOFF_MS[0];
    while (!stop.aborted) {
      this.waker = new AbortController();
      const wake = AbortSignal.any([stop, this.waker.signal]);
      try {
        const me = await this.store.syncCall('credentials', []);
        if (!me) {
          this.set({ connection: 'stopped', lastError: null });
          await sleep(60_000, wake); // woken when the ledger joins (its outbox or a start)
          continue;
        }
        await this.pushAll(me, stop); // not cut short by a wake: a push in flight is worth its answer
        await this.pullAll(me, wake);
        this.set({ connection: 'online', lastError: null });
        backoff = BACKOFF_MS[0];
      } catch (error) {
        if (wake.aborted) continue; // cut short on purpose, not a failure
        if (error instanceof StoreError && error.code === 'CLOSED') return; // the store was closed: let go of the lock
        const message = error instanceof Error ? error.message : String(error);
        this.set({ connection: error instanceof SyncRefusal ? 'online' : 'offline', lastError: message });
        // Only a wait that ran its course doubles: a retry a wake asked for (a new op, the network back) does not
        // count, or a burst of them (a browser dropping its dead pooled connections one by one) would reach 30 s.
        if (!(await sleep(backoff, wake))) backoff = Math.min(backoff * 2, BACKOFF_MS[1]);
      }
    }
  }

  /** Pushes the outbox until nothing unanswered is left. */
  private async pushAll(me: SyncCredentials, signal: AbortSignal): Promise<void> {
    let from: number | undefined;
    for (;;) {
      const batch = this.unanswered ?? (await this.store.syncCall('outbox', from === undefined ? [] : [from]));
      if (batch.length === 0) return;
      this.unanswered = batch;
      let answer: PushAnswer;
      try {
        answer = await request<PushAnswer>(me.serverUrl, 'POST', `/v1/ledgers/${encodeURIComponent(me.ledgerId)}/push`, {
          token: me.deviceToken,
          body: { ops: batch },
          signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]),
        });
      } catch (error) {
        if (error instanceof SyncRefusal) {
          this.unanswered = undefined; // answered: nothing was applied
          const expected = error.answer.expectedDeviceSeq;
          if (error.answer.error === 'SEQUENCE_GAP' && expected !== undefined && expected !== from) {
            from = expected; // the server lacks earlier ops of ours: send again from there
            continue;
          }
        }
        throw error;
      }
      this.unanswered = undefined;
      await this.store.syncCall('pushed', [answer.results]);
      from = undefined;
    }
  }

  /** Pulls the log after the cursor, long-polling while nothing is new, and lets the worker rebase. */
  private async pullAll(me: SyncCredentials, signal: AbortSignal): Promise<void> {
    let cursor = me.cursor;
    let wait = LONG_POLL_S;
    for (;;) {
      const answer = await request<PullAnswer>(me.serverUrl, 'GET', `/v1/ledgers/${encodeURIComponent(me.ledgerId)}/ops?after=${cursor}&wait=${wait}`, {
        token: me.deviceToken,
        signal: AbortSignal.any([signal, AbortSignal.timeout((wait + 15) * 1000)]),
      });
      const report = await this.store.syncCall('pulled', [answer.ops]);
      if (report.cursor === cursor && answer.ops.length > 0) throw new StoreError('SYNC_FAILED', `the pull after ${cursor} brought nothing new`);
      cursor = report.cursor;
      this.set({ connection: 'online', lastError: null });
      if (!answer.more) return;
      wait = 0;
    }
  }
}
