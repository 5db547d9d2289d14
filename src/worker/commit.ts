/**
 * How one tab writes. Writes run in turn (the host's FIFO mutex) and under
 * the cross-tab write lock, from a copy of the database that is current:
 * serializable across tabs. A write resolves only once durable.
 */
import { StoreError } from '../shared/errors';
import type { Mutex } from '../shared/mutex';
import type { TabSync } from './tabs/lease';
import type { DurableDb } from './replica';
import type { Engine } from './sql/engine';

/** What the writer needs from the host. */
export interface WriterHost {
  readonly mutex: Mutex;
  /** The open store; throws `CLOSED` or what broke it. */
  ready(): DurableDb;
  /** The open, unbroken store, or undefined (for background work, which gives up quietly). */
  current(): DurableDb | undefined;
  sync(): TabSync;
  lockWaitMs(): number;
  txTimeoutMs(): number;
  /** Throws `SCHEMA_AHEAD` for a write while this code is older than the database. */
  guardWrite(write: boolean): void;
  /** After catching up: another tab may have migrated past this code. */
  checkSchema(): void;
}

interface OpenTx {
  id: number;
  release: () => void;
  timer: ReturnType<typeof setTimeout>;
  committing: boolean;
}

export class Writer {
  /** The lease under which this tab's copy was last known current: while `sync.leases` still equals it, no other tab wrote. */
  private currentUnder = -1;
  private catchUpQueued = false;
  private tx: OpenTx | undefined;
  private txIds = 0;
  private readonly expired = new Set<number>();
  /** The latest fold, settled either way: the next one queues behind it. */
  private folding: Promise<void> = Promise.resolve();

  constructor(private readonly host: WriterHost) {}

  /** Runs `fn` holding the write lock; `handOver` lets it go right after instead of keeping the lease. */
  withLock<T>(fn: () => Promise<T>, options?: { handOver?: boolean }): Promise<T> {
    return this.host.sync().withLock(this.host.lockWaitMs(), fn, options);
  }

  /** Runs `fn` in this tab's turn, holding the write lock, on a copy caught up with every tab's commits. */
  exclusive<T>(fn: (d: DurableDb) => Promise<T>, options?: { handOver?: boolean }): Promise<T> {
    return this.host.mutex.run(() =>
      this.withLock(async () => {
        const d = this.host.ready();
        await this.catchUpLocked(d);
        return fn(d);
      }, options),
    );
  }

  /**
   * Another tab announced a commit (`poll` false), or it is time to look at
   * the log anyway (`poll`, the safety net for lost messages): catch up
   * between this tab's own calls. A transaction here holds the lock anyway.
   */
  behind(poll: boolean): void {
    if (this.catchUpQueued || this.tx || !this.host.current()) return;
    this.catchUpQueued = true;
    void this.host.mutex.run(async () => {
      this.catchUpQueued = false;
      const d = this.host.current();
      if (!d || this.tx) return;
      if (!poll && this.host.sync().announced <= d.seq) return; // a write of this tab caught up meanwhile
      await (poll ? d.catchUp() : this.catchUp(d, false)).catch((error: unknown) => console.warn(`[pacioli] catching up failed: ${String(error)}`));
      this.host.checkSchema();
    });
  }

  /**
   * Brings this tab's copy up to the latest announced commit: from the
   * announced entries when all of them arrived, else from the log. Returns
   * true when it read the log: holding the write lock (`locked`), the copy is
   * then current until the lease changes hands. (An announcement may still be
   * on its way, so announced entries alone never prove that.)
   */
  private async catchUp(d: DurableDb, locked: boolean): Promise<boolean> {
    const sync = this.host.sync();
    const upTo = sync.announced;
    const announced = upTo > d.seq ? sync.take(d.seq, upTo) : undefined;
    if (announced?.length) {
      await d.catchUp(announced);
      return false;
    }
    const lease = sync.leases;
    await d.catchUp();
    if (locked) this.currentUnder = lease;
    return true;
  }

  /** Holding the write lock: catch up unless nothing can have changed since this tab last knew it was current. */
  async catchUpLocked(d: DurableDb): Promise<void> {
    const sync = this.host.sync();
    if (sync.leases === this.currentUnder && sync.announced <= d.seq) return;
    await d.catchUp();
    this.currentUnder = sync.leases;
  }

  /**
   * Runs `fn` as its own transaction under the write lock; durable when it
   * resolves. Optimistic: it skips reading the log first unless another tab
   * announced a newer commit. That is safe because the log append is fenced:
   * had another tab committed meanwhile, the append fails with CONFLICT and
   * `fn` runs again after catching up. An error `fn` raised against a view
   * that may be stale is likewise only reported after catching up finds
   * nothing new. (`transaction()` cannot be re-run, so it always starts current.)
   */
  autocommit<T>(fn: (engine: Engine) => T): Promise<T> {
    return this.host.mutex.run(() =>
      this.withLock(async () => {
        const d = this.host.ready();
        const sync = this.host.sync();
        // Current when this tab kept the lease since it last knew it was, or after reading the log.
        let current = sync.leases === this.currentUnder && sync.announced <= d.seq;
        if (!current && sync.announced > d.seq) current = await this.catchUp(d, true);
        for (;;) {
          const retry = async (error: unknown): Promise<void> => {
            if (current) throw error;
            const seen = d.seq;
            await d.catchUp();
            this.currentUnder = sync.leases;
            current = true;
            if (d.seq === seen && !(error instanceof StoreError && error.code === 'CONFLICT')) throw error;
          };
          d.engine.begin();
          let result: T;
          try {
            result = fn(d.engine);
          } catch (error) {
            d.engine.rollback();
            await retry(error);
            continue;
          }
          try {
            await d.commitOpen();
          } catch (error) {
            if (!(error instanceof StoreError && error.code === 'CONFLICT')) throw error;
            await retry(error);
            continue;
          }
          this.afterCommit(d);
          return result;
        }
      }),
    );
  }

  /** After a durable commit of this tab (only ever called holding the lock): tell the other tabs, fold if the log grew. */
  afterCommit(d: DurableDb): void {
    const sync = this.host.sync();
    this.currentUnder = sync.leases;
    sync.announce(d.seq, d.lastEntry);
    if (d.wantsFold()) {
      this.scheduleFold().catch((error: unknown) => console.warn(`[pacioli] folding the log into a snapshot failed (the next commit tries again): ${String(error)}`));
    }
  }

  /** Folds the log into a snapshot after this tab's earlier calls; resolves when it is written, rejects when it could not be. */
  scheduleFold(): Promise<void> {
    const fold = this.folding.then(async () => {
      const fold = await this.host.mutex.run(() =>
        this.withLock(async () => {
          const d = this.host.current();
          if (!d) return undefined;
          await this.catchUpLocked(d);
          return { d, image: d.foldImage() };
        }),
      );
      if (fold?.image) await fold.d.writeFold(fold.image); // commits go on while the image is written
    });
    this.folding = fold.catch(() => undefined);
    return fold;
  }

  /** Resolves once a fold already writing its image is done. */
  settled(): Promise<void> {
    return this.folding;
  }

  /** The engine of open transaction `id`, for one more statement in it. */
  inTx(id: number, sql: string): Engine {
    const engine = this.host.ready().engine;
    if (this.tx?.id !== id || this.tx.committing) {
      if (this.expired.has(id)) throw new StoreError('TX_TIMEOUT', `transaction ${id} was rolled back: it stayed open past ${this.host.txTimeoutMs()} ms`);
      throw new StoreError('INVALID_ARGUMENT', `transaction ${id} is no longer open`);
    }
    this.host.guardWrite(!engine.readOnly(sql));
    return engine;
  }

  /** Opens a transaction once this tab's earlier calls are done and no other tab is writing; returns its id. */
  async begin(): Promise<number> {
    const releaseTurn = await this.host.mutex.acquire();
    let releaseLock: (() => void) | undefined;
    try {
      releaseLock = await this.host.sync().acquire(this.host.lockWaitMs());
      const d = this.host.ready();
      await this.catchUpLocked(d); // the transaction starts from the latest commit of every tab
      d.engine.begin();
    } catch (error) {
      releaseLock?.();
      releaseTurn();
      throw error;
    }
    const id = ++this.txIds;
    const timer = setTimeout(() => {
      if (this.tx?.id !== id || this.tx.committing) return;
      this.host.current()?.engine.rollback();
      this.expire(id);
      this.endTx();
    }, this.host.txTimeoutMs());
    this.tx = { id, release: () => (releaseLock!(), releaseTurn()), timer, committing: false };
    return id;
  }

  async commit(id: number): Promise<void> {
    this.inTx(id, 'SELECT 1');
    this.tx!.committing = true;
    try {
      const d = this.host.ready();
      await d.commitOpen();
      this.afterCommit(d);
    } finally {
      this.endTx();
    }
  }

  /** Rolls a transaction back; `timedOut` when the page's own timer ended it (it may fire before this worker's). */
  rollback(id: number, timedOut: boolean): void {
    if (this.tx?.id !== id || this.tx.committing) return;
    this.host.current()?.engine.rollback();
    if (timedOut) this.expire(id);
    this.endTx();
  }

  /** Later calls on this transaction then fail with TX_TIMEOUT, not "no longer open". */
  private expire(id: number): void {
    this.expired.add(id);
    if (this.expired.size > 256) this.expired.delete(this.expired.values().next().value!);
  }

  private endTx(): void {
    if (!this.tx) return;
    clearTimeout(this.tx.timer);
    this.tx.release();
    this.tx = undefined;
  }
}
