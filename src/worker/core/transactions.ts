/**
 * Explicit transactions (`store.transaction(fn)`): `fn` runs on the page,
 * so the transaction stays open across RPCs. It holds this tab's turn and
 * the write lock from `begin` to `commit` or `rollback`, starts from a copy
 * current with every tab's commits, and is rolled back by a timer if the
 * page never ends it. Committing goes through the one commit path.
 */
import { StoreError } from '../../shared/errors';
import type { Commits } from './commit';
import type { Session } from './session';
import type { Engine } from '../sql/engine';

interface OpenTx {
  id: number;
  release: () => void;
  timer: ReturnType<typeof setTimeout>;
  committing: boolean;
}

export class Transactions {
  private tx: OpenTx | undefined;
  private ids = 0;
  private readonly expired = new Set<number>();

  constructor(
    private readonly session: Session,
    private readonly commits: Commits,
  ) {}

  /** Whether a transaction is open (it holds the turn and the lock). */
  get open(): boolean {
    return this.tx !== undefined;
  }

  /** The engine of open transaction `id`, for one more statement in it. */
  engineOf(id: number, sql: string): Engine {
    const engine = this.session.ready().engine;
    if (this.tx?.id !== id || this.tx.committing) {
      if (this.expired.has(id)) throw new StoreError('TX_TIMEOUT', `transaction ${id} was rolled back: it stayed open past ${this.session.txTimeoutMs()} ms`);
      throw new StoreError('INVALID_ARGUMENT', `transaction ${id} is no longer open`);
    }
    this.session.guardWrite(!engine.readOnly(sql));
    return engine;
  }

  /** Opens a transaction once this tab's earlier calls are done and no other tab is writing; returns its id. */
  async begin(): Promise<number> {
    const releaseTurn = await this.session.mutex.acquire();
    let releaseLock: (() => void) | undefined;
    try {
      releaseLock = await this.session.lease().acquire(this.session.lockWaitMs());
      const replica = this.session.ready();
      await replica.ensureCurrent(); // the transaction starts from the latest commit of every tab
      replica.engine.begin();
    } catch (error) {
      releaseLock?.();
      releaseTurn();
      throw error;
    }
    const id = ++this.ids;
    const timer = setTimeout(() => {
      if (this.tx?.id !== id || this.tx.committing) return;
      this.session.current()?.engine.rollback();
      this.expire(id);
      this.end();
    }, this.session.txTimeoutMs());
    this.tx = { id, release: () => (releaseLock!(), releaseTurn()), timer, committing: false };
    return id;
  }

  async commit(id: number): Promise<void> {
    this.engineOf(id, 'SELECT 1');
    this.tx!.committing = true;
    try {
      const replica = this.session.ready();
      await this.commits.persist(replica);
      this.commits.announce(replica);
    } finally {
      this.end();
    }
  }

  /** Rolls a transaction back; `timedOut` when the page's own timer ended it (it may fire before this worker's). */
  rollback(id: number, timedOut: boolean): void {
    if (this.tx?.id !== id || this.tx.committing) return;
    this.session.current()?.engine.rollback();
    if (timedOut) this.expire(id);
    this.end();
  }

  /** Later calls on this transaction then fail with TX_TIMEOUT, not "no longer open". */
  private expire(id: number): void {
    this.expired.add(id);
    if (this.expired.size > 256) this.expired.delete(this.expired.values().next().value!);
  }

  private end(): void {
    if (!this.tx) return;
    clearTimeout(this.tx.timer);
    this.tx.release();
    this.tx = undefined;
  }
}
