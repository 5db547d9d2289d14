/**
 * Waking long-polls. A push NOTIFYs the ledger's id on commit; every server
 * instance LISTENs once and wakes the pulls waiting on that ledger. NOTIFY is
 * only a shortcut: a waiting pull also re-reads the log every `recheckMs`,
 * so a lost notification (a reconnect, or an engine without LISTEN/NOTIFY
 * such as CockroachDB, where `notify: false`) costs latency, never an op.
 * The waiters are the only thing the server keeps in memory, and they hold
 * nothing a restart would lose: the device simply pulls again.
 */
import type { Sql } from './db';
import { CHANNEL } from './log';

/** Wakes waiters by ledger id. */
export class HeadWatcher {
  private readonly waiters = new Map<string, Set<() => void>>();
  private unlisten: (() => Promise<void>) | undefined;
  /** Set by `close()`: waits end at once, so the server can stop. */
  closed = false;

  constructor(
    private readonly sql: Sql,
    /** How often a waiting pull re-reads the log when no notification came. */
    readonly recheckMs: number,
  ) {}

  /** Starts listening (skip on engines without LISTEN/NOTIFY). */
  async listen(): Promise<void> {
    const { unlisten } = await this.sql.listen(CHANNEL, (ledgerId) => this.wake(ledgerId));
    this.unlisten = unlisten;
  }

  private wake(ledgerId: string): void {
    for (const fn of this.waiters.get(ledgerId) ?? []) fn();
  }

  /** Resolves when `ledgerId` may have news: a notification, `recheckMs` passing, or `signal` aborting. */
  wait(ledgerId: string, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(ledgerId) ?? new Set();
      this.waiters.set(ledgerId, set);
      const finish = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', finish);
        set.delete(finish);
        if (set.size === 0) this.waiters.delete(ledgerId);
        resolve();
      };
      const timer = setTimeout(finish, this.recheckMs);
      signal.addEventListener('abort', finish);
      set.add(finish);
      if (signal.aborted || this.closed) finish();
    });
  }

  /** Stops listening and releases every waiter. */
  async close(): Promise<void> {
    this.closed = true;
    for (const set of this.waiters.values()) for (const fn of [...set]) fn();
    await this.unlisten?.();
  }
}
