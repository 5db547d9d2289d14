/**
 * The one commit path, top to bottom:
 *
 *   turn     this tab's calls run one at a time (the session's FIFO mutex)
 *   lease    the store's cross-tab write lock (tabs/lease.ts)
 *   catch up this tab's copy takes in other tabs' commits (replica.ts)
 *   run      the statements, in one SQLite transaction (sql/engine.ts),
 *            their row images captured (sql/capture.ts, sql/codec.ts)
 *   persist  one fenced log append, or a snapshot (idb/layout.ts); only then
 *            does the transaction count, in memory too
 *   announce the commit, with its entry, to the other tabs (tabs/channel.ts)
 *
 * Writes are serializable across tabs and resolve only once durable. While
 * one IndexedDB transaction is in flight, further writes of this tab run
 * and wait to go together in the next one (group-commit.ts); nothing reads
 * their changes before they are durable.
 */
import { StoreError } from '../../shared/errors';
import type { Replica } from './replica';
import type { Session } from './session';
import { Engine } from '../sql/engine';
import { GroupCommit } from './group-commit';
import { IdleFold } from './idle-fold';
import { CatchUp } from './catch-up';
import { persistOpen } from './persist';
import { dropFence } from '../idb/log-append';
import type { Outcome } from '../tabs/channel';

export class Commits {
  /** The latest fold, settled either way: the next one queues behind it. */
  private folding: Promise<void> = Promise.resolve();
  private readonly idle = new IdleFold(() => this.session.current(), () => this.foldInBackground());

  private readonly group: GroupCommit;
  /** When this tab takes in other tabs' commits (catch-up.ts). */
  readonly catchUp: CatchUp;
  /** Forwarded writes that the transaction being run holds (forwarding.ts): announced with its commit. */
  private noted: Outcome[] = [];
  /** Writes this tab handed to another tab (forwarding.ts): everything after them waits for their answers. */
  private get forwards(): { settle(): Promise<void> } {
    return this.session.forwarding;
  }

  constructor(private readonly session: Session) {
    this.catchUp = new CatchUp(session, (fn) => this.turn(fn));
    this.group = new GroupCommit(
      () => session.ready(),
      (batch) => {
        const replica = session.ready();
        replica.countLogWrite();
        for (const w of batch) replica.loggedCommit(w.seq, w.entry, w.tables);
        // Each with its own commit number: the copy's `seq` may be ahead already, at a write
        // of the next batch that is not durable yet.
        for (const w of batch) session.channel().announce(w.seq, w.entry, w.outcomes);
        this.afterCommit(replica);
      },
    );
  }

  /**
   * Runs `fn` in this tab's turn, once every write before it is durable (so
   * it never sees one that is not) and what other tabs announced is applied.
   */
  turn<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.session.mutex.run(async () => {
      await this.settle();
      await this.catchUp.beforeCall();
      return fn();
    });
  }

  /** Inside a write's `fn`: the transaction holds forwarded write `outcome.id`, to announce with its commit. */
  noteOutcome(outcome: Outcome): void {
    this.noted.push(outcome);
  }

  /** Runs `fn` holding the write lock; `handOver` lets it go right after instead of keeping the lease. */
  withLock<T>(fn: () => Promise<T>, options?: { handOver?: boolean }): Promise<T> {
    return this.session.lease().withLock(this.session.lockWaitMs(), fn, options);
  }

  /** Runs `fn` in this tab's turn, holding the write lock, on a copy caught up with every tab's commits. */
  exclusive<T>(fn: (replica: Replica) => Promise<T>, options?: { handOver?: boolean }): Promise<T> {
    return this.turn(() =>
      this.withLock(async () => {
        const replica = this.session.ready();
        await replica.ensureCurrent();
        return fn(replica);
      }, options),
    );
  }

  /**
   * Runs `fn` as its own transaction under the write lock; durable when it
   * resolves. Where this tab's copy is proven current under the lease it
   * holds, the write joins the group commit: it runs now, on top of writes
   * still in flight, and waits for its batch. Otherwise it goes alone, after
   * every earlier write is durable (see `alone`). `forward`, asked in this
   * tab's turn, may hand the write to another tab instead (forwarding.ts):
   * it resolves to that write's answer, or undefined to run it here.
   */
  async autocommit<T>(fn: (engine: Engine) => T, forward?: () => Promise<{ handed: Promise<T> } | undefined>): Promise<T> {
    let handed: Promise<T> | undefined;
    let written: { result: T; release: () => void; durable?: Promise<void> } | undefined;
    await this.session.mutex.run(async () => {
      handed = (await forward?.())?.handed;
      if (handed) return;
      await this.forwards.settle(); // this tab's writes handed over earlier come first
      written = await this.writeOne(fn);
    });
    if (handed) return handed;
    return this.durable(written!);
  }

  /**
   * `autocommit` for a write this tab handed over and must now run itself,
   * in the place of the turn it was handed over in: later calls of this tab
   * wait for it (forwarding.ts keeps these one at a time).
   */
  async autocommitHandedBack<T>(fn: (engine: Engine) => T): Promise<T> {
    return this.durable(await this.writeOne(fn));
  }

  private async durable<T>(written: { result: T; release: () => void; durable?: Promise<void> }): Promise<T> {
    try {
      if (written.durable) await written.durable;
      return written.result;
    } finally {
      written.release();
    }
  }

  /** Runs `fn` in SQLite under the lease; `durable` is its batch when it joined one (not yet durable), else it already is. */
  private async writeOne<T>(fn: (engine: Engine) => T): Promise<{ result: T; release: () => void; durable?: Promise<void> }> {
    await this.group.recoverIfFailed();
    const release = await this.session.lease().acquire(this.session.lockWaitMs());
    try {
      const replica = this.session.ready();
      if (!replica.isCurrent()) {
        await this.group.settle();
        return { result: await this.alone(replica, fn), release };
      }
      const epoch = this.group.epoch;
      const { engine } = replica;
      const next = replica.seq + 1;
      // Alone in the pipeline: its append's transaction starts, and its fence is answered, while the SQL runs.
      // Nothing from here to `add` gives up this task: the transaction stays active for the adds.
      const early = this.group.idle ? replica.persistence.openAppend(next) : undefined;
      engine.begin();
      let result: T;
      let pending;
      this.noted = [];
      try {
        result = fn(engine); // an error against a current copy is final
        pending = engine.pending(next);
        // Deferred foreign keys fail at this commit, before anything is queued.
        if (pending.kind === 'log' && !replica.persistence.cleared) engine.commit();
      } catch (error) {
        engine.rollback();
        dropFence(early);
        throw error;
      }
      if (pending.kind !== 'log' || replica.persistence.cleared) {
        // A snapshot (or nothing) cannot join a batch: it goes once the batch before it is durable.
        engine.rollback();
        dropFence(early);
        await this.group.settle();
        return { result: await this.alone(replica, fn), release };
      }
      replica.advance(next);
      const durable = this.group.add({ seq: next, entry: pending.entry, tables: pending.tables, outcomes: this.noted }, epoch, early);
      return { result, release, durable };
    } catch (error) {
      release();
      throw error;
    }
  }

  /**
   * One write on its own, every earlier one durable. Optimistic: it skips
   * reading the log first unless another tab announced a newer commit. That
   * is safe because the log append is fenced: had another tab committed
   * meanwhile, the append fails with CONFLICT and `fn` runs again after
   * catching up. An error `fn` raised against a view that may be stale is
   * likewise only reported after catching up finds nothing new.
   * (`transaction()` cannot be re-run, so it always starts current.)
   */
  private async alone<T>(replica: Replica, fn: (engine: Engine) => T): Promise<T> {
    let current = replica.isCurrent();
    if (!current && replica.seq < this.session.channel().announced) current = await replica.catchUp();
    // Where this lease appends, known before the SQL runs, so that the append's fence can go out first
    // (a failed lookup is the append's to report).
    await replica.persistence.where().catch(() => undefined);
    for (;;) {
      const retry = async (error: unknown): Promise<void> => {
        if (current) throw error;
        const seen = replica.seq;
        await replica.refresh();
        current = true;
        if (replica.seq === seen && !(error instanceof StoreError && error.code === 'CONFLICT')) throw error;
      };
      const early = replica.persistence.openAppend(replica.seq + 1); // as in writeOne; nothing below gives up this task
      replica.engine.begin();
      let result: T;
      this.noted = [];
      try {
        result = fn(replica.engine);
      } catch (error) {
        replica.engine.rollback();
        dropFence(early);
        await retry(error);
        continue;
      }
      const outcomes = this.noted;
      try {
        await persistOpen(replica, early);
      } catch (error) {
        if (!(error instanceof StoreError && error.code === 'CONFLICT')) throw error;
        await retry(error);
        continue;
      }
      this.announce(replica, outcomes);
      return result;
    }
  }

  /** Persists and commits the engine's open transaction, or rolls it back and throws. Hold the write lock. */
  persist(replica: Replica): Promise<void> {
    return persistOpen(replica);
  }

  /**
   * Replaces the whole database with `image` (a verified backup or a
   * checkpoint) as one snapshot commit: the pointer flip makes it atomic,
   * and other tabs, finding a newer snapshot, reload it. Hold the write lock.
   */
  async install(replica: Replica, image: Uint8Array): Promise<void> {
    const next = replica.seq + 1;
    const engine = new Engine(replica.sql, image); // proves it opens before anything is written
    let meta;
    try {
      meta = await replica.persistence.writeSnapshot(next, image, { commit: true });
    } catch (error) {
      engine.close();
      throw error;
    }
    replica.snapshotCommit(next, meta, image, engine);
    this.announce(replica);
  }

  /**
   * After a durable commit of this tab (only ever made holding the lock):
   * tell the other tabs, fold if the log grew past the threshold, or else
   * (re)arm the idle fold.
   */
  announce(replica: Replica, outcomes?: Outcome[]): void {
    this.session.channel().announce(replica.seq, replica.lastEntry, outcomes);
    this.afterCommit(replica);
  }

  /** After a durable commit of this tab, announced: the copy is current under this lease; fold, or (re)arm the idle fold. */
  private afterCommit(replica: Replica): void {
    replica.markCurrent();
    const folding = replica.wantsFold();
    if (folding) this.foldInBackground();
    this.idle.afterCommit(replica, folding);
  }

  private foldInBackground(): void {
    this.scheduleFold().catch((error: unknown) => console.warn(`[pacioli] folding the log into a snapshot failed (the next commit tries again): ${String(error)}`));
  }

  /** Folds the log into a snapshot after this tab's earlier calls; resolves when it is written, rejects when it could not be. */
  scheduleFold(): Promise<void> {
    const fold = this.folding.then(async () => {
      const taken = await this.turn(() =>
        this.withLock(async () => {
          const replica = this.session.current();
          if (!replica) return undefined;
          await replica.ensureCurrent();
          return { replica, image: replica.foldImage() };
        }),
      );
      if (taken?.image) await taken.replica.writeFold(taken.image); // commits go on while the image is written
    });
    this.folding = fold.catch(() => undefined);
    return fold;
  }

  /** At close: runs the idle fold now if one is waiting; a failure only leaves the log to replay. */
  async foldIfIdleDue(): Promise<void> {
    if (!this.idle.takeDue() || !this.session.current()?.wantsIdleFold()) return;
    await this.scheduleFold().catch((error: unknown) => console.warn(`[pacioli] folding the log at close failed (the next open replays it): ${String(error)}`));
  }

  /** Resolves once a fold already writing its image is done. */
  settled(): Promise<void> {
    return this.folding;
  }

  /** Resolves once every write of this tab is durable (those handed over too), and memory is back at the durable state after a failed batch. */
  async settle(): Promise<void> {
    await this.forwards.settle();
    await this.group.settle();
  }
}
