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
import { StoreError, toStoreError } from '../../shared/errors';
import type { Replica } from './replica';
import type { Session } from './session';
import { Engine } from '../sql/engine';
import { GroupCommit } from './group-commit';
import { IdleFold } from './idle-fold';
import { CatchUp } from './catch-up';

export class Commits {
  /** The latest fold, settled either way: the next one queues behind it. */
  private folding: Promise<void> = Promise.resolve();
  private readonly idle = new IdleFold(() => this.session.current(), () => this.foldInBackground());

  private readonly group: GroupCommit;
  /** When this tab takes in other tabs' commits (catch-up.ts). */
  readonly catchUp: CatchUp;

  constructor(private readonly session: Session) {
    this.catchUp = new CatchUp(session, (fn) => this.turn(fn));
    this.group = new GroupCommit(
      () => session.ready(),
      (batch) => {
        const replica = session.ready();
        replica.countLogWrite();
        for (const w of batch) replica.loggedCommit(w.seq, w.entry, w.tables);
        for (const w of batch.slice(0, -1)) session.channel().announce(w.seq, w.entry);
        this.announce(replica); // the last one, then the fold check
      },
    );
  }

  /**
   * Runs `fn` in this tab's turn, once every write before it is durable (so
   * it never sees one that is not) and what other tabs announced is applied.
   */
  turn<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.session.mutex.run(async () => {
      await this.group.settle();
      await this.catchUp.beforeCall();
      return fn();
    });
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
   * every earlier write is durable (see `alone`).
   */
  async autocommit<T>(fn: (engine: Engine) => T): Promise<T> {
    let release: ((handOver?: boolean) => void) | undefined;
    let durable: Promise<void> | undefined;
    try {
      const result = await this.session.mutex.run(async () => {
        await this.group.recoverIfFailed();
        release = await this.session.lease().acquire(this.session.lockWaitMs());
        const replica = this.session.ready();
        if (!replica.isCurrent()) {
          await this.group.settle();
          return this.alone(replica, fn);
        }
        const epoch = this.group.epoch;
        const { engine } = replica;
        const next = replica.seq + 1;
        engine.begin();
        let result: T;
        let pending;
        try {
          result = fn(engine); // an error against a current copy is final
          pending = engine.pending(next);
        } catch (error) {
          engine.rollback();
          throw error;
        }
        if (pending.kind !== 'log' || replica.persistence.cleared) {
          // A snapshot (or nothing) cannot join a batch: it goes once the batch before it is durable.
          engine.rollback();
          await this.group.settle();
          return this.alone(replica, fn);
        }
        try {
          engine.commit(); // deferred foreign keys fail here, before anything is queued
        } catch (error) {
          engine.rollback();
          throw error;
        }
        replica.advance(next);
        durable = this.group.add({ seq: next, entry: pending.entry, tables: pending.tables }, epoch);
        return result;
      });
      if (durable) await durable;
      return result;
    } finally {
      release?.();
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
    for (;;) {
      const retry = async (error: unknown): Promise<void> => {
        if (current) throw error;
        const seen = replica.seq;
        await replica.refresh();
        current = true;
        if (replica.seq === seen && !(error instanceof StoreError && error.code === 'CONFLICT')) throw error;
      };
      replica.engine.begin();
      let result: T;
      try {
        result = fn(replica.engine);
      } catch (error) {
        replica.engine.rollback();
        await retry(error);
        continue;
      }
      try {
        await this.persist(replica);
      } catch (error) {
        if (!(error instanceof StoreError && error.code === 'CONFLICT')) throw error;
        await retry(error);
        continue;
      }
      this.announce(replica);
      return result;
    }
  }

  /** Persists and commits the engine's open transaction, or rolls it back and throws. Hold the write lock. */
  async persist(replica: Replica): Promise<void> {
    const { engine, persistence } = replica;
    const next = replica.seq + 1;
    let pending;
    try {
      pending = engine.pending(next);
      if (pending.kind === 'none') return engine.commit();
      // Storage cleared under us: memory holds the only copy, so write all of it, not a delta.
      if (pending.kind === 'log' && persistence.cleared) pending = { kind: 'snapshot', reason: 'storage was cleared' } as const;
    } catch (error) {
      engine.rollback();
      throw toStoreError(error);
    }
    if (pending.kind === 'snapshot') {
      try {
        engine.commit(); // sql.js cannot export inside a write transaction
      } catch (error) {
        engine.rollback();
        throw error;
      }
      const image = engine.export();
      let meta;
      try {
        meta = await persistence.writeSnapshot(next, image, { commit: true });
      } catch (error) {
        await replica.recover(); // memory is ahead of disk: back to the durable state
        throw error;
      }
      return replica.snapshotCommit(next, meta, image);
    }
    // Deferred foreign keys are checked only at COMMIT, after the row images were read. Where the
    // schema has them, commit in memory first, so that a violation never reaches the log (where
    // another tab or a reload after a crash would take it for a commit); a failed append then
    // costs a reload of the durable state rather than a rollback.
    const commitFirst = engine.checksAtCommit;
    if (commitFirst) {
      try {
        engine.commit();
      } catch (error) {
        engine.rollback();
        throw error;
      }
    }
    try {
      await persistence.append({ seq: next, bytes: pending.entry });
    } catch (error) {
      if (commitFirst) await replica.recover();
      else engine.rollback();
      throw error;
    }
    if (!commitFirst) {
      try {
        engine.commit(); // nothing deferred: only running out of memory fails here
      } catch {
        // The entry is durable, so the commit happened: memory, behind now, loads it back.
        await replica.recover();
        if (replica.broken) throw replica.broken;
        return;
      }
    }
    replica.countLogWrite();
    replica.loggedCommit(next, pending.entry, pending.tables);
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
  announce(replica: Replica): void {
    replica.markCurrent();
    this.session.channel().announce(replica.seq, replica.lastEntry);
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

  /** Resolves once every write of this tab is durable, and memory is back at the durable state after a failed batch. */
  settle(): Promise<void> {
    return this.group.settle();
  }
}
