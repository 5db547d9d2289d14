/**
 * One open store in this worker: its options, this tab's copy (the
 * replica), its IndexedDB layout, its place among the tabs, and its
 * lifecycle, from `open` (load, check it was not lost, migrate) to `close`.
 * Calls of this tab run in turn, on the session's FIFO mutex. The RPC layer
 * (rpc/api.ts) checks arguments and dispatches here.
 */
import type { ChangeNotice, WorkerEvent, OpenRequest, OpenInfo } from '../../shared/contract';
import { StoreError } from '../../shared/errors';
import type { PageRead } from '../../shared/layout-names';
import { Mutex } from '../../shared/mutex';
import { stage } from '../../shared/stages';
import { Commits } from './commit';
import { Forwarding } from './forwarding';
import { Checkpoints } from '../features/checkpoints';
import { appliedMigrations, checkMigrations, currentVersion, migrate, plan, type CheckedMigration } from '../features/migrations';
import { RecoveryCopy, storageLost } from '../features/recovery-copy';
import { Persistence } from '../idb/layout';
import { Replica } from './replica';
import { warmUp } from '../sql/warm-up';
import type { LoadSql } from '../sql/load-sql';
import type { SqlJs } from '../sql/sqljs';
import { checkTabSupport, TabChannel } from '../tabs/channel';
import { WriteLease } from '../tabs/lease';
import { Transactions } from './transactions';

/** What is there once a store is open. */
interface Opened {
  options: OpenRequest;
  sql: SqlJs;
  persistence: Persistence;
  replica: Replica;
  channel: TabChannel;
  lease: WriteLease;
  recovery: RecoveryCopy;
  checkpoints: Checkpoints;
}

export class Session {
  readonly mutex = new Mutex();
  readonly commits = new Commits(this);
  readonly transactions = new Transactions(this, this.commits);
  /** Writes handed to the tab holding the write lock, and other tabs' writes run here (forwarding.ts). */
  readonly forwarding = new Forwarding(this, this.commits);
  /** The migrations this code knows, checked. */
  known: CheckedMigration[] = [];
  /** The database has migrations this code does not know: it may read, never write. */
  schemaAhead = false;
  /** Whether the page has live queries: change events cost two messages per commit in every tab, so only then. */
  watching = false;
  /** Called after every change the open store's copy takes in (its own commits, other tabs', reloads). */
  onChange: (notice: ChangeNotice) => void = () => {};
  private opened: Opened | undefined;
  private closed = false;
  private checkpointTimer: ReturnType<typeof setInterval> | undefined;
  private listener: (event: WorkerEvent) => void = () => {};

  /** The open store's parts; throws `CLOSED` before `open` and after `close`. */
  parts(): Opened {
    if (this.closed) throw new StoreError('CLOSED', 'the store is closed');
    if (!this.opened) throw new StoreError('CLOSED', 'the store is not open');
    return this.opened;
  }

  /** This tab's copy; throws `CLOSED`, or what broke the store. */
  ready(): Replica {
    const { replica } = this.parts();
    if (replica.broken) throw replica.broken;
    return replica;
  }

  /** The open, unbroken copy, or undefined (for background work, which gives up quietly). */
  current(): Replica | undefined {
    const replica = this.closed ? undefined : this.opened?.replica;
    return replica && !replica.broken ? replica : undefined;
  }

  lease(): WriteLease {
    return this.parts().lease;
  }

  channel(): TabChannel {
    return this.parts().channel;
  }

  txTimeoutMs(): number {
    return this.parts().options.txTimeoutMs;
  }

  /** How long a write waits for another tab's write lock before `BUSY`. */
  lockWaitMs(): number {
    return Math.max(2 * this.txTimeoutMs(), 5000);
  }

  inTransaction(): boolean {
    return this.transactions.open;
  }

  /** Sets the page's listener for changes and schema-ahead. */
  listen(callback: (event: WorkerEvent) => void): void {
    this.listener = callback;
    if (this.schemaAhead) callback({ type: 'schema-ahead' });
  }

  /** Old code against a newer schema may read, never write. */
  guardWrite(write: boolean): void {
    if (this.schemaAhead && write) throw new StoreError('SCHEMA_AHEAD', 'the database was migrated by newer code: reload the page before writing');
  }

  /** After another tab migrated: does this code still know the schema? */
  checkSchema(): void {
    const replica = this.current();
    if (this.schemaAhead || this.known.length === 0 || !replica) return;
    if (currentVersion(replica.engine) > this.known.at(-1)!.version) {
      this.schemaAhead = true;
      this.listener({ type: 'schema-ahead' });
    }
  }

  /** Keeps a restorable copy of the current state (call in the tab's turn). */
  checkpoint(reason: string): Promise<void> {
    const replica = this.ready();
    return this.parts().checkpoints.take(reason, replica.engine, replica.seq);
  }

  /** Applies migrations up to `target` under the write lock: with several tabs, one applies, the others see it done. */
  migrateLocked(target: number): Promise<number> {
    return this.commits.withLock(async () => {
      await this.ready().ensureCurrent();
      const steps = {
        engine: () => this.ready().engine,
        commitOpen: () => this.commits.persist(this.ready()),
        checkpoint: (reason: string) => this.checkpoint(reason),
      };
      try {
        const applied = await migrate(steps, this.known, target);
        if (applied > 0) this.commits.announce(this.ready());
        return applied;
      } catch (error) {
        if (error instanceof StoreError && error.code === 'SCHEMA_AHEAD') this.schemaAhead = true;
        throw error;
      }
    });
  }

  private providePageWasm: (module: WebAssembly.Module | undefined) => void = () => undefined; // set by pageWasm (fields initialise in order)
  /** The module the page compiled, when `OpenRequest.wasmFromPage` says one is coming (client/wasm.ts). */
  private readonly pageWasm = new Promise<WebAssembly.Module | undefined>((resolve) => (this.providePageWasm = resolve));

  private providePageState: (read: PageRead | undefined) => void = () => undefined; // set by pageState
  /** What the page read of the stored state, when `OpenRequest.stateFromPage` says it is coming (client/page-read.ts). */
  private pageState: Promise<PageRead | undefined> | undefined = new Promise((resolve) => (this.providePageState = resolve));

  /** Hands over what the page read (or undefined: the worker reads the state itself). */
  provideState(read: PageRead | undefined): void {
    this.providePageState(read);
  }

  /** Hands over the page's compiled wasm (or undefined: the worker fetches its own). */
  provideWasm(module: WebAssembly.Module | undefined): void {
    this.providePageWasm(module);
  }

  /** Loads the durable state and applies migrations; fails with `CORRUPT` or `STORAGE_LOST`, naming what. */
  async open(options: OpenRequest, loadSql: LoadSql): Promise<OpenInfo> {
    if (this.opened || this.closed) throw new StoreError('INVALID_ARGUMENT', 'this worker already serves a store');
    checkTabSupport();
    this.known = await checkMigrations(options.migrations); // a bad list fails before anything runs
    return this.mutex.run(async () => {
      const persistence = new Persistence(options.name, options.durability, options.reserveBytes, options.log);
      // Reading (and checking) the stored state and compiling sql.js's wasm overlap: a cold open pays the longer, not both.
      stage('open:start');
      // The session lets go of the page's read once the load has it: held here, its snapshot (as large
      // as the store) would stay in memory for as long as the store is open.
      const fromPage = options.stateFromPage === true ? this.pageState : undefined;
      this.pageState = undefined;
      const read = persistence.load(fromPage);
      let readDone = false;
      read.then(
        () => stage('open:idb-read'),
        () => undefined, // awaited below; a failure surfaces there
      ).finally(() => (readDone = true));
      let sql: SqlJs;
      try {
        sql = await loadSql(options.wasmUrl, options.wasmFromPage === true ? this.pageWasm : undefined);
        stage('open:wasm-ready');
        // Still reading: compile SQLite's code paths on a throwaway database meanwhile (sql/warm-up.ts).
        if (!readDone) {
          await warmUp(sql, () => !readDone);
          stage('open:warmed-up');
        }
      } catch (error) {
        persistence.close();
        throw error;
      }
      const channel = new TabChannel(options.name, (poll) => this.commits.catchUp.heard(poll));
      if (options.forwardWrites) this.forwarding.start(options.name, channel, this.known.at(-1)?.version ?? 0, options.durability);
      const lease = new WriteLease(options.name, channel);
      lease.beforeLetGo = () => persistence.letGo(); // the OPFS log's access handle goes before the lock
      const replica = new Replica(sql, persistence, channel, lease, options.compactAfterBytes);
      const recovery = new RecoveryCopy(options.name);
      replica.onChange = (notice) => {
        if (notice.seq > 0) recovery.noteSeq(notice.seq);
        if (this.watching) this.listener({ type: 'change', notice });
        this.onChange(notice);
      };
      replica.onSnapshot = (seq, image) => recovery.saveImage(seq, image);
      const checkpoints = new Checkpoints(persistence, options.keepCheckpoints);
      this.opened = { options, sql, persistence, replica, channel, lease, recovery, checkpoints };
      let migrated = 0;
      try {
        await replica.load(read);
        const created = replica.seq === 0;
        if (created) await this.checkNotLost(); // before migrations write to it
        // The copy just loaded already has every known migration (the common open): nothing to take the write
        // lock for. Anything else (steps to run, unknown or changed migrations) is judged under the lock.
        if (options.autoMigrate && this.known.length > 0 && !upToDate(this.known, replica)) {
          migrated = await this.migrateLocked(this.known.at(-1)!.version).catch((error: unknown) => {
            if (this.schemaAhead) return 0; // old code may still read
            throw error;
          });
        }
        // The open made the store's first commits: it exists from now on, even if IndexedDB is lost the next moment.
        if (created && replica.seq > 0) await recovery.recordNow(replica.seq);
      } catch (error) {
        this.closed = true;
        this.forwarding.close();
        lease.close();
        channel.close();
        replica.close();
        persistence.close();
        throw error;
      }
      if (options.checkpointEveryMs > 0) {
        this.checkpointTimer = setInterval(() => {
          void this.commits
            .turn(() => {
              const current = this.current();
              return current && checkpoints.changedSince(current.seq) ? this.checkpoint('scheduled') : undefined;
            })
            .catch((error: unknown) => console.warn(`[pacioli] scheduled checkpoint failed: ${String(error)}`));
        }, options.checkpointEveryMs);
      }
      stage('open:done');
      return { schemaVersion: currentVersion(replica.engine), migrated, schemaAhead: this.schemaAhead };
    });
  }

  /**
   * IndexedDB held nothing of this store at open: new, or lost? The record
   * in OPFS tells. (Read again after the record: a tab that created the
   * store meanwhile wrote IndexedDB before the record.)
   */
  private async checkNotLost(): Promise<void> {
    const { recovery, persistence, replica, options } = this.parts();
    const record = await recovery.read();
    if (!record || record.seq <= 0) return;
    const again = await persistence.readLog(0);
    if (!again.meta && again.entries.length === 0) throw storageLost(options.name, record, (await recovery.newest())?.info);
    await replica.load();
  }

  /** Folds a log the idle fold was waiting to fold, waits for this tab's earlier calls and a fold being written, then lets go of everything. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.commits.foldIfIdleDue();
    await this.commits.turn(() => {
      this.closed = true; // calls queued behind this one now fail with CLOSED; a queued fold gives up
    });
    await this.commits.settled(); // a fold already writing its image finishes first
    clearInterval(this.checkpointTimer);
    const opened = this.opened;
    if (!opened) return;
    await opened.recovery.close();
    this.forwarding.close();
    opened.lease.close();
    opened.channel.close();
    this.commits.catchUp.close();
    opened.replica.close();
    opened.persistence.close();
  }
}

/** True when `replica`'s copy has exactly the `known` migrations applied, up to the newest. */
function upToDate(known: readonly CheckedMigration[], replica: Replica): boolean {
  try {
    return plan(known, appliedMigrations(replica.engine), known.at(-1)!.version).length === 0;
  } catch {
    return false;
  }
}
