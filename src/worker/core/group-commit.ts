/**
 * Group commit. While one IndexedDB transaction is in flight, writes that
 * arrive in the same tab run in SQLite and wait here; they all go to
 * IndexedDB together in the next transaction. This is how PostgreSQL and
 * SQLite-WAL servers get throughput: ten callers cost one IndexedDB
 * transaction per round, not ten (see GATHER_MS). A lone writer flushes at once.
 *
 * The rules that keep it safe:
 *  - Each caller hears "done" only once its own entry is durable.
 *  - If a batch fails, every write in it fails with the typed error, and so
 *    does every write that ran on top of it (it saw state that never became
 *    durable): they are rejected, and memory goes back to exactly the last
 *    durable state (a reload) before anything else runs in the tab.
 *  - A plain read never returns a change that is not yet durable: every
 *    call other than a write waits for `settle()` in the tab's turn.
 * Writes only join a batch when this tab's copy is proven current under the
 * lease it holds, so no other tab can commit in between; the first write of
 * a lease goes alone, fenced, and may be retried (commit.ts).
 */
import { toStoreError, type StoreError } from '../../shared/errors';
import { nextTask } from '../../shared/next-task';
import { stage } from '../../shared/stages';
import type { Replica } from './replica';
import { dropFence, type Fence } from '../idb/log-append';
import type { Outcome } from '../tabs/channel';

/** Hops in a row that bring no other write before a writer is taken to be alone; then one hop per PROBE_EVERY batches. */
const LONELY_HOPS = 4;
const PROBE_EVERY = 16;
/**
 * How long an IndexedDB batch that starts with fewer writes than the tab
 * had writers (see `writers`) waits for the rest of them, at most. (An OPFS
 * append hops a task instead, above.) Ten callers in one tab fell
 * into batches of 1 and 9: the first write back after a batch found nothing
 * in flight and went alone, and the other nine queued behind it. Waiting up
 * to 1 ms for them made one batch of ten: 14 alternating rounds of the
 * bench's 10-caller workload, +11% transfers/s in Chromium (11 rounds of 14
 * ahead) and +9% in Firefox (10 of 14); 2 ms was no better. A lone writer
 * never waits (see `writers`).
 */
export const GATHER_MS = 1;
/**
 * A gather whose timer fired this much later than asked (a browser
 * throttling a background tab's timers) turns gathering off, but for one
 * batch in PROBE_EVERY, which turns it on again when its timer is on time:
 * a commit must never wait for a throttled timer.
 */
const LATE_MS = 20;

/** A write committed in SQLite: its commit, entry, tables, and the forwarded writes it holds (announced with it). */
interface Write {
  seq: number;
  entry: Uint8Array;
  tables: string[];
  outcomes: Outcome[];
}

/** A write committed in SQLite, waiting for its entry to be durable. */
interface Waiting extends Write {
  done: (error?: StoreError) => void;
  /** Its append's fence, opened before its SQL ran (only a write that found nothing queued or in flight). */
  early?: Fence;
}

export class GroupCommit {
  private queue: Waiting[] = [];
  private flushing: Promise<void> | undefined;
  /** Counts failed batches: a write that ran before a failure was noticed carries an older epoch. */
  epoch = 0;
  /** Set from a failed batch until memory is back at the durable state. */
  private failure: StoreError | undefined;
  /** Batches written, and task hops in a row that brought no other write (inline appends only). */
  private batches = 0;
  private lonely = 0;
  /**
   * How many writers were seen at once: the last batch, with the writes that
   * queued while it was written. One (or none) for a lone writer, whose
   * writes go at once, each with its early fence (see `idle`).
   */
  private writers = 0;
  /** A batch waiting for `target` writes (GATHER_MS at most): `go` starts it. */
  private gathering: { target: number; go: () => void } | undefined;
  /** Set when a gather's timer came LATE_MS late. */
  private lateTimers = false;

  constructor(
    private readonly replica: () => Replica,
    /** Called with each batch once durable (in order): bookkeeping and announcing. */
    private readonly durable: (batch: readonly Write[]) => void,
  ) {}

  /**
   * True when nothing is queued or being written and the last batch had no
   * company: a write now goes alone, in a batch of its own, and may open its
   * append's transaction before its SQL runs.
   */
  get idle(): boolean {
    return this.flushing === undefined && this.queue.length === 0 && this.writers < 2;
  }

  /**
   * Queues commit `seq`, which SQLite has committed in memory on top of
   * what is queued; resolves once it is durable. `epoch` is the one the
   * write started under: if a batch failed since, it ran on lost state.
   * `early`: the fence its append may use (see `idle`), opened in this task.
   */
  add(write: Write, epoch: number, early?: Fence): Promise<void> {
    if (epoch !== this.epoch || this.failure) {
      dropFence(early);
      return Promise.reject(this.failure ?? toStoreError('a batch this write ran on top of failed', 'PERSIST_FAILED'));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ...write, early, done: (error) => (error ? reject(error) : resolve()) });
      if (this.gathering && this.queue.length >= this.gathering.target) this.gathering.go();
      this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      // An OPFS append writes and flushes without giving the thread up: let the calls already waiting
      // in the worker's message queue run first, so they join this batch instead of each going alone.
      // That costs a lone writer a task hop (~0.1 ms) per commit: after a few hops that brought nobody,
      // hop only now and then, to notice when callers come back.
      const { inline } = this.replica().persistence;
      if (inline && (this.lonely < LONELY_HOPS || this.batches % PROBE_EVERY === 0)) {
        const waiting = this.queue.length;
        await nextTask();
        this.lonely = this.queue.length > waiting ? 0 : this.lonely + 1;
      } else if (!inline && this.writers > this.queue.length && (!this.lateTimers || this.batches % PROBE_EVERY === 0)) await this.gather(this.writers);
      this.batches++;
      const batch = this.queue;
      this.queue = [];
      // Only the first write of a batch can have opened its fence, and only when it found the pipeline idle.
      for (const w of batch.slice(1)) dropFence(w.early);
      try {
        stage('commit:idb-start');
        await this.replica().persistence.append(
          batch.map(({ seq, entry }) => ({ seq, bytes: entry })),
          batch[0]!.early,
        );
        stage('commit:idb-done');
      } catch (error) {
        this.epoch++;
        this.writers = 0;
        this.failure = toStoreError(error, 'PERSIST_FAILED');
        for (const w of [...batch, ...this.queue]) w.done(this.failure);
        this.queue = [];
        return;
      }
      this.writers = batch.length + this.queue.length;
      try {
        this.durable(batch);
      } catch (error) {
        // Bookkeeping failed (the store closed meanwhile): the writes are durable all the same.
        console.warn(`[pacioli] after a durable batch: ${String(error)}`);
      }
      for (const w of batch) w.done();
    }
  }

  /**
   * Waits until `target` writes are queued, or GATHER_MS: the writers of the
   * last batch come back one by one (each caller hears "done", then sends
   * its next write), and the first of them should not go alone.
   */
  private gather(target: number): Promise<void> {
    const start = performance.now();
    return new Promise<void>((resolve) => {
      const go = () => {
        clearTimeout(timer);
        this.gathering = undefined;
        resolve();
      };
      const timer = setTimeout(() => {
        this.lateTimers = performance.now() - start > LATE_MS;
        go();
      }, GATHER_MS);
      this.gathering = { target, go };
    });
  }

  /**
   * Waits until nothing is queued or being written; after a failed batch,
   * brings memory back to the durable state. Call in the tab's turn, before
   * anything that reads or writes outside the pipeline.
   */
  async settle(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.recoverIfFailed();
  }

  /** After a failed batch: memory goes back to the durable state (waiting for a batch still being written). */
  async recoverIfFailed(): Promise<void> {
    if (!this.failure) return;
    while (this.flushing) await this.flushing;
    await this.replica().recover();
    this.failure = undefined;
  }
}
