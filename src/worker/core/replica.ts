/**
 * This tab's copy of the database, and whether it is current.
 *
 * Every tab's worker holds a whole copy in memory; the IndexedDB log is the
 * truth between tabs. The copy takes in other tabs' commits from their
 * announcements (entries that follow on from here need no IndexedDB read)
 * or from the log, and loads the whole state again only when a newer
 * snapshot replaced the entries it misses.
 *
 * "Am I current" is judged here, and only here: while this tab holds the
 * write lock no other tab can commit, so a copy that read the log under
 * lease N stays current for as long as lease N lasts and no announcement
 * says otherwise. Callers serialise access (the session's mutex).
 */
import { StoreError, toStoreError } from '../../shared/errors';
import type { ChangeNotice } from '../../shared/contract';
import { stage } from '../../shared/stages';
import type { StoreStats } from '../../shared/types';
import type { Loaded, LogEntry, Meta, Persistence } from '../idb/layout';
import { Engine } from '../sql/engine';
import type { SqlJs } from '../sql/sqljs';
import type { TabChannel } from '../tabs/channel';
import type { WriteLease } from '../tabs/lease';
import { LogTally } from './log-tally';

export class Replica {
  engine!: Engine;
  seq = 0;
  private readonly log = new LogTally();
  /** The lease under which this copy was last known current (-1: not known). */
  private currentUnder = -1;
  /** The log entry of the latest commit of this tab, for announcing it; undefined after a snapshot commit. */
  lastEntry: Uint8Array | undefined;
  private readonly counters = { snapshotSeq: 0, snapshotBytes: 0, logCommits: 0, logWrites: 0, snapshotCommits: 0, compactions: 0, fullLoads: 0, caughtUp: 0, catchUps: 0 };
  /** Set when the durable state could not be reloaded: the store refuses everything after. */
  broken: StoreError | undefined;
  /** Called after every change this copy takes in: its own commits and other tabs'. */
  onChange: (notice: ChangeNotice) => void = () => {};
  /** Called with the image of every snapshot this tab made durable (folds, snapshot commits, restores). */
  onSnapshot: (seq: number, image: Uint8Array) => void = () => {};

  constructor(
    readonly sql: SqlJs,
    readonly persistence: Persistence,
    private readonly channel: TabChannel,
    private readonly lease: WriteLease,
    private readonly compactAfterBytes: number,
  ) {}

  /** Loads the snapshot and the log whole; `read` is a `persistence.load()` already under way (at open, read while sql.js compiles). */
  async load(read?: Promise<Loaded>): Promise<void> {
    const held = this.lease.held();
    const loaded = await (read ?? this.persistence.load());
    // Opening the image overlaps with hashing it; nothing is used before the hash matched.
    let next: Engine;
    try {
      next = new Engine(this.sql, loaded.image, { adopt: true });
      stage('open:deserialized');
    } catch (error) {
      await loaded.verified; // a damaged image is reported as such, not as whatever SQLite made of it
      throw error;
    }
    try {
      await loaded.verified;
      stage('open:sha-verified');
      next.replay(loaded.entries);
      stage('open:log-replayed');
    } catch (error) {
      next.close();
      throw error;
    }
    this.engine?.close();
    this.engine = next;
    this.counters.snapshotSeq = loaded.meta?.snapshotSeq ?? 0;
    this.counters.snapshotBytes = loaded.meta?.snapshotBytes ?? 0;
    this.log.reset(loaded.entries.map((e) => ({ seq: e.seq, bytes: e.bytes.length })));
    this.seq = this.log.lastSeq ?? this.counters.snapshotSeq;
    this.counters.fullLoads++;
    this.provedCurrent(held);
    this.onChange({ seq: this.seq, tables: 'all' });
  }

  /** True when no other tab can have committed since this copy was last known current. */
  isCurrent(): boolean {
    return this.lease.leases === this.currentUnder && this.channel.announced <= this.seq;
  }

  /** After a durable commit of this tab, made holding the write lock: the copy is current under this lease. */
  markCurrent(): void {
    this.currentUnder = this.lease.leases;
  }

  /** Holding the write lock: makes the copy current, reading the log unless nothing can have changed. */
  async ensureCurrent(): Promise<void> {
    if (!this.isCurrent()) await this.refresh();
  }

  /**
   * Takes in what other tabs announced: from the announcements when every
   * one of them arrived, else from the log. Returns true when it read the
   * log (announcements alone never prove the copy current: one may still
   * be on its way).
   */
  async catchUp(): Promise<boolean> {
    const upTo = this.channel.announced;
    const announced = upTo > this.seq ? this.channel.take(this.seq, upTo) : undefined;
    if (announced?.length) {
      this.apply(announced); // durable already, and they follow on from here
      return false;
    }
    await this.refresh();
    return true;
  }

  /**
   * Applies what other tabs committed since this copy's `seq`, from the log:
   * only the missed entries, or the whole state when a newer snapshot
   * replaced them (a fold swept them, or a schema change was persisted as a
   * snapshot). Holding the lock, this proves the copy current.
   */
  async refresh(): Promise<void> {
    const held = this.lease.held();
    const { meta, entries } = await this.persistence.readLog(this.seq);
    if ((meta?.snapshotSeq ?? 0) > this.seq) return this.load();
    this.apply(entries);
    this.provedCurrent(held);
  }

  /** The log was read under lease `held`: if this tab still holds that lease, no other tab committed since. */
  private provedCurrent(held: number | undefined): void {
    if (held !== undefined && held === this.lease.held()) this.currentUnder = held;
  }

  private apply(entries: readonly LogEntry[]): void {
    if (entries.length === 0) return;
    const tables = this.engine.replay(entries);
    for (const e of entries) this.log.add(e.seq, e.bytes.length);
    this.seq = entries.at(-1)!.seq;
    this.counters.caughtUp += entries.length;
    this.counters.catchUps++;
    this.onChange({ seq: this.seq, tables: [...tables] });
  }

  /** After a failed persist memory may be ahead of disk: load the durable state again, or give up on the store. */
  async recover(): Promise<void> {
    try {
      await this.load();
    } catch (error) {
      this.broken = new StoreError('PERSIST_FAILED', `the store could not reload its durable state: ${toStoreError(error).message}`, { cause: error });
    }
  }

  /** SQLite committed write `seq` in memory, and it waits for its batch (group-commit.ts): memory is ahead of disk until then. */
  advance(seq: number): void {
    this.seq = seq;
  }

  /** One IndexedDB transaction appended log entries of this tab (one commit, or a group). */
  countLogWrite(): void {
    this.counters.logWrites++;
  }

  /** Log commit `seq` of this tab is durable and committed in memory. */
  loggedCommit(seq: number, entry: Uint8Array, tables: string[]): void {
    this.seq = Math.max(this.seq, seq);
    this.lastEntry = entry;
    this.counters.logCommits++;
    this.log.add(seq, entry.length);
    this.onChange({ seq, tables });
  }

  /**
   * Snapshot commit `seq` of this tab is durable (`meta`, its pointer), with
   * `engine` holding it (a restore brings its own): the log restarts empty,
   * and what the snapshot made obsolete is swept.
   */
  snapshotCommit(seq: number, meta: Meta | undefined, image: Uint8Array, engine = this.engine): void {
    if (engine !== this.engine) (this.engine.close(), (this.engine = engine));
    if (meta) (this.counters.snapshotSeq = seq), (this.counters.snapshotBytes = meta.snapshotBytes);
    this.seq = seq;
    this.lastEntry = undefined;
    this.counters.snapshotCommits++;
    this.log.reset();
    this.onChange({ seq, tables: 'all' });
    this.onSnapshot(seq, image);
    void this.persistence.sweep(seq);
  }

  /** True when the log has grown past the point where a fold pays. */
  wantsFold(): boolean {
    return this.seq > this.counters.snapshotSeq && this.log.bytes >= Math.max(this.compactAfterBytes, this.counters.snapshotBytes / 4);
  }

  /**
   * True when the log is worth folding while this tab is idle (commit.ts
   * arms that after its commits): every open replays the whole log, and a
   * cold open's replay costs about a third of a millisecond per entry
   * (sql.js's code is not warm yet). Idle, a fold delays no commit, so it
   * pays from far less log than `wantsFold` asks for: 1/256 of
   * `compactAfterBytes` (16 KiB by default, about 40 transfers). It still
   * writes the whole snapshot, so a large one waits for a log of 1/512 of
   * its size: an idle fold writes at most 512 bytes per byte of log.
   */
  wantsIdleFold(): boolean {
    return this.seq > this.counters.snapshotSeq && this.log.bytes >= Math.max(this.compactAfterBytes / 256, this.counters.snapshotBytes / 512);
  }

  /** The image to fold and the commit it reflects; take it holding the write lock, on a current copy. */
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
    this.log.dropThrough(fold.seq);
    this.onSnapshot(fold.seq, fold.image);
    await this.persistence.sweep(fold.seq);
  }

  stats(durability: StoreStats['durability']): Omit<StoreStats, 'forwardedWrites' | 'servedWrites'> {
    const { snapshotSeq, snapshotBytes, logCommits, logWrites, snapshotCommits, compactions, fullLoads, caughtUp, catchUps } = this.counters;
    return { seq: this.seq, snapshotSeq, snapshotBytes, logEntries: this.log.count, logBytes: this.log.bytes, logCommits, logWrites, snapshotCommits, compactions, fullLoads, caughtUp, catchUps, durability };
  }

  close(): void {
    this.engine?.close();
  }
}
