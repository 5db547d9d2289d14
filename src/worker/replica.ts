/**
 * One tab's copy of the database and the rules that keep it durable and in
 * step with the log: commits persist before they count, catch-up applies
 * other tabs' entries, folds write snapshots. Callers serialise access (the
 * host's mutex) and hold the write lock where a method says so.
 */
import { StoreError, toStoreError } from '../shared/errors';
import type { StoreStats } from '../shared/types';
import { Engine } from './sql/engine';
import type { Loaded, LogEntry, Meta, Persistence } from './idb/layout';
import type { SqlJs } from './sql/sqljs';

/** Which tables a change touched ('all' after a snapshot or a full load). */
export interface ChangeNotice {
  seq: number;
  tables: string[] | 'all';
}

export class DurableDb {
  engine!: Engine;
  seq = 0;
  private log: { seq: number; bytes: number }[] = [];
  /** The log entry of the latest commit of this tab, for announcing it; undefined after a snapshot commit. */
  lastEntry: Uint8Array | undefined;
  private readonly counters = { snapshotSeq: 0, snapshotBytes: 0, logCommits: 0, snapshotCommits: 0, compactions: 0, fullLoads: 0, caughtUp: 0 };
  /** Set when the durable state could not be reloaded: the store refuses everything after. */
  broken: StoreError | undefined;
  /** Called after every change this copy takes in: its own commits and other tabs'. */
  onChange: (notice: ChangeNotice) => void = () => {};
  /** Called with the image of every snapshot this tab made durable (folds, snapshot commits, restores). */
  onSnapshot: (seq: number, image: Uint8Array) => void = () => {};

  constructor(
    private readonly sql: SqlJs,
    private readonly persistence: Persistence,
    private readonly compactAfterBytes: number,
  ) {}

  /** Loads the snapshot and the log whole; `read` is a `persistence.load()` already under way (at open, read while sql.js compiles). */
  async load(read?: Promise<Loaded>): Promise<void> {
    const loaded = await (read ?? this.persistence.load());
    // Opening the image overlaps with hashing it; nothing is used before the hash matched.
    let next: Engine;
    try {
      next = new Engine(this.sql, loaded.image, { adopt: true });
    } catch (error) {
      await loaded.verified; // a damaged image is reported as such, not as whatever SQLite made of it
      throw error;
    }
    try {
      await loaded.verified;
      next.replay(loaded.entries);
    } catch (error) {
      next.close();
      throw error;
    }
    this.engine?.close();
    this.engine = next;
    this.counters.snapshotSeq = loaded.meta?.snapshotSeq ?? 0;
    this.counters.snapshotBytes = loaded.meta?.snapshotBytes ?? 0;
    this.log = loaded.entries.map((e) => ({ seq: e.seq, bytes: e.bytes.length }));
    this.seq = this.log.at(-1)?.seq ?? this.counters.snapshotSeq;
    this.counters.fullLoads++;
    this.onChange({ seq: this.seq, tables: 'all' });
  }

  /**
   * Applies what other tabs committed since this copy's `seq`: only the
   * missed entries, or the whole state when a newer snapshot replaced them
   * (a fold swept them, or a schema change was persisted as a snapshot).
   */
  async catchUp(announced?: readonly LogEntry[]): Promise<void> {
    // Entries other tabs announced are durable already: when they follow on from here, no IndexedDB read is needed.
    if (announced?.length && announced[0]!.seq === this.seq + 1) return this.takeIn(announced);
    const { meta, entries } = await this.persistence.readLog(this.seq);
    if ((meta?.snapshotSeq ?? 0) > this.seq) return this.load();
    this.takeIn(entries);
  }

  private takeIn(entries: readonly LogEntry[]): void {
    if (entries.length === 0) return;
    const tables = this.engine.replay(entries);
    for (const e of entries) this.log.push({ seq: e.seq, bytes: e.bytes.length });
    this.seq = entries.at(-1)!.seq;
    this.counters.caughtUp += entries.length;
    this.onChange({ seq: this.seq, tables: [...tables] });
  }

  /** After a failed snapshot persist memory is ahead of disk: load the durable state again, or give up. */
  private async recover(): Promise<void> {
    try {
      await this.load();
    } catch (error) {
      this.broken = new StoreError('PERSIST_FAILED', `the store could not reload its durable state: ${toStoreError(error).message}`, { cause: error });
    }
  }

  /** Persists and commits the engine's open transaction, or rolls it back and throws. Hold the write lock. */
  async commitOpen(): Promise<void> {
    const { engine, persistence } = this;
    const next = this.seq + 1;
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
    if (pending.kind === 'log') {
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
        if (commitFirst) await this.recover();
        else engine.rollback();
        throw error;
      }
      if (!commitFirst) {
        try {
          engine.commit(); // nothing deferred: only running out of memory fails here
        } catch {
          // The entry is durable, so the commit happened: memory, behind now, loads it back.
          await this.recover();
          if (this.broken) throw this.broken;
          return;
        }
      }
      this.seq = next;
      this.lastEntry = pending.entry;
      this.counters.logCommits++;
      this.log.push({ seq: next, bytes: pending.entry.length });
      this.onChange({ seq: next, tables: pending.tables });
      return;
    }
    try {
      engine.commit(); // sql.js cannot export inside a write transaction
    } catch (error) {
      engine.rollback();
      throw error;
    }
    let meta;
    const image = engine.export();
    try {
      meta = await persistence.writeSnapshot(next, image, { commit: true });
    } catch (error) {
      await this.recover();
      throw error;
    }
    this.snapshotCommitted(next, meta, image);
  }

  /**
   * Replaces the whole database with `image` (a verified backup or a
   * checkpoint) as one snapshot commit: the pointer flip makes it atomic,
   * and other tabs, finding a newer snapshot, reload it. Hold the write lock.
   */
  async install(image: Uint8Array): Promise<void> {
    const next = this.seq + 1;
    const engine = new Engine(this.sql, image); // proves it opens before anything is written
    let meta;
    try {
      meta = await this.persistence.writeSnapshot(next, image, { commit: true });
    } catch (error) {
      engine.close();
      throw error;
    }
    this.engine.close();
    this.engine = engine;
    this.snapshotCommitted(next, meta, image);
  }

  /** After snapshot commit `seq` is durable (`meta`, its pointer): the log restarts empty, and what it made obsolete is swept. */
  private snapshotCommitted(seq: number, meta: Meta | undefined, image: Uint8Array): void {
    if (meta) (this.counters.snapshotSeq = seq), (this.counters.snapshotBytes = meta.snapshotBytes);
    this.seq = seq;
    this.lastEntry = undefined;
    this.counters.snapshotCommits++;
    this.log = [];
    this.onChange({ seq, tables: 'all' });
    this.onSnapshot(seq, image);
    void this.persistence.sweep(seq);
  }

  /** True when the log has grown past the point where a fold pays. */
  wantsFold(): boolean {
    const logBytes = this.log.reduce((n, e) => n + e.bytes, 0);
    return this.seq > this.counters.snapshotSeq && logBytes >= Math.max(this.compactAfterBytes, this.counters.snapshotBytes / 4);
  }

  /** The image to fold and the commit it reflects; take it holding the write lock, after `catchUp`. */
  foldImage(): { image: Uint8Array; seq: number } | undefined {
    return this.seq > this.counters.snapshotSeq ? { image: this.engine.export(), seq: this.seq } : undefined;
  }

  /**
   * Writes a fold's image (no lock needed: commits go on meanwhile) and
   * sweeps what it made obsolete. A failure leaves the log as it was, valid
   * and whole, and is thrown: `compact()` reports it, and an automatic fold
   * is tried again by the next commit past the threshold.
   */
  async writeFold(fold: { image: Uint8Array; seq: number }): Promise<void> {
    const meta = await this.persistence.writeSnapshot(fold.seq, fold.image);
    if (!meta) return; // another tab's snapshot of this commit or a later one won: nothing to do
    this.counters.snapshotSeq = Math.max(this.counters.snapshotSeq, fold.seq);
    this.counters.snapshotBytes = meta.snapshotBytes;
    this.counters.compactions++;
    this.log = this.log.filter((e) => e.seq > fold.seq);
    this.onSnapshot(fold.seq, fold.image);
    await this.persistence.sweep(fold.seq);
  }

  stats(durability: StoreStats['durability']): StoreStats {
    const { snapshotSeq, snapshotBytes, logCommits, snapshotCommits, compactions, fullLoads, caughtUp } = this.counters;
    const logBytes = this.log.reduce((n, e) => n + e.bytes, 0);
    return { seq: this.seq, snapshotSeq, snapshotBytes, logEntries: this.log.length, logBytes, logCommits, snapshotCommits, compactions, fullLoads, caughtUp, durability };
  }

  close(): void {
    this.engine?.close();
  }
}
