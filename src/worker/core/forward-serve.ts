/**
 * The writer's side of write forwarding (forwarding.ts): a write another
 * tab handed over runs here, in this tab's own group commit, while this tab
 * holds the write lock. Its id and result are committed with it
 * (outcomes.ts), so it runs exactly once even if this tab dies before
 * answering; the answer rides on the commit's announcement.
 *
 * It is refused, and so never runs here, when this tab runs other code,
 * no longer holds the lock, is past the sender's deadline, or did not take
 * the sender's previous write (which must run first); or when the store
 * keeps no record of handed-over writes.
 */
import { toStoreError, type ErrorCode } from '../../shared/errors';
import type { Sql } from '../../shared/types';
import type { ForwardedCall, ForwardLink, InboxMessage } from '../tabs/forward-link';
import type { Commits } from './commit';
import { NoRecord, once } from './outcomes';
import type { Session } from './session';

/** Failures of the write itself, the same in any tab; anything else (the writer's storage, its lock, its schema) makes the sender run it. */
const THE_WRITES_OWN: ReadonlySet<ErrorCode> = new Set(['CONSTRAINT', 'SQL_ERROR', 'INVALID_ARGUMENT', 'NOT_FOUND', 'INSUFFICIENT_FUNDS', 'FORBIDDEN']);

/** Past the sender's deadline, the writer runs nothing of it. */
class PastDeadline extends Error {}

export class ForwardServer {
  private preparing: Promise<unknown> = Promise.resolve();
  /** Writes this tab took from each other tab lately, to judge a handed-over write's `after` (bounded). */
  private readonly taken = new Map<string, true>();

  constructor(
    private readonly session: Session,
    private readonly commits: Commits,
    /** How this tab runs a handed-over call (api.ts, through forwarding.ts). */
    private readonly prepare: (call: ForwardedCall) => Promise<(sql: Sql) => unknown>,
    private readonly counts: { servedWrites: number },
  ) {}

  /**
   * Runs another tab's write, holding the lock: its outcome goes out with
   * the commit's announcement. `key` is this tab's (forwarding.ts `start`).
   */
  async serve(link: ForwardLink, key: string, request: Extract<InboxMessage, { type: 'forward' }>): Promise<void> {
    const { id, from, deadline } = request;
    const reply = (message: InboxMessage) => link.send(from, message);
    const decline = (reason: string, retry = false) => reply({ type: 'declined', id, reason, retry });
    if (request.key !== key) return decline('this tab runs other code');
    if (this.session.lease().held() === undefined) return decline('this tab no longer holds the write lock', true);
    if (!(Date.now() < deadline)) return decline('past its deadline');
    // The sender's earlier write, still unanswered when it sent this one, must run first: here (taken), or nowhere.
    if (request.after !== undefined && !this.taken.has(request.after)) return decline('it came after a write this tab did not take', true);
    this.taken.set(id, true);
    if (this.taken.size > 4096) this.taken.delete(this.taken.keys().next().value!);
    let replayed = false;
    try {
      // In the order they came, whatever each takes to prepare: the sender's calls keep their order.
      const prepared = this.preparing.then(() => this.prepare(request.call));
      this.preparing = prepared.catch(() => undefined);
      const run = await prepared;
      const result = await this.commits.autocommit((sql) => {
        if (!(Date.now() < deadline)) throw new PastDeadline(); // decided before anything runs: the sender counts on it
        this.session.guardWrite(true);
        // A store whose schema was last written before forwarding keeps no record: it could not run exactly once here.
        const done = once(sql, id, () => run(sql), { required: true });
        replayed = done.replayed;
        if (!done.replayed) this.commits.noteOutcome({ id, result: done.result });
        return done.result;
      });
      this.counts.servedWrites++;
      // Committed before: no commit now, so no announcement carries it.
      if (replayed) reply({ type: 'done', id, seq: this.session.ready().seq, result });
    } catch (error) {
      if (error instanceof PastDeadline) return decline('past its deadline');
      if (error instanceof NoRecord) return reply({ type: 'declined', id, reason: 'this store keeps no record of handed-over writes', noRecord: true });
      const failure = toStoreError(error);
      if (THE_WRITES_OWN.has(failure.code) && failure.sqliteCode !== 'SQLITE_NOMEM') {
        reply({ type: 'failed', id, error: { code: failure.code, message: failure.message, sqliteCode: failure.sqliteCode } });
      } else {
        decline(failure.message);
      }
    }
  }
}
