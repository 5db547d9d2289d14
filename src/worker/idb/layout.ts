/**
 * What lives in IndexedDB, and the order writes happen in so that a crash at
 * any instant leaves the old state or the new one, never a mix:
 *
 *   database `pacioli:<name>`, store `log`
 *     'meta' → { format, snapshotSeq, snapshotBytes, snapshotSha256 }  (the commit point of a snapshot)
 *     1, 2, 3… → one log entry per committed transaction (change-codec bytes)
 *   database `pacioli:<name>:snapshots`, store `snapshots`
 *     [seq, nonce] → the SQLite file image as of commit `seq` (older stores: the number seq)
 *     ['checkpoint', id] → a restorable copy; ['reserve', i] → room kept for a fold (reserve.ts)
 *
 * A commit is one put of one log entry: atomic. A snapshot is written first
 * under a key of its own that no other write can ever use (`add`, with a
 * random nonce), then `meta` flips to it in one put; entries at or below
 * the snapshot's seq are obsolete from that instant and are swept later.
 * Two tabs may well fold at the same commit, and their images differ byte
 * for byte (free pages): were they written under one key, the loser would
 * replace the image whose SHA-256 the pointer holds.
 * Snapshots live in their own database so a large snapshot write never
 * queues the small log puts of commits behind it.
 *
 * With `log: 'opfs'` the log entries go to OPFS instead (opfs/log-file.ts);
 * the pointer and the snapshots stay here. A store's log is in OPFS from
 * the moment its OPFS log directory exists, whatever a tab asked for: every
 * writer looks once per lease, and every reader reads both. Before its
 * first append to OPFS, a lease makes sure the log database is marked as
 * having its log there (opfs-mark.ts): a store so marked whose OPFS log is
 * gone fails to open with STORAGE_LOST, never opens at its last snapshot.
 */
import { promisifyRequest } from 'idb-keyval';
import { conflict } from '../../shared/errors';
import type { Durability, LogPlace } from '../../shared/types';
import { sha256Hex } from '../../shared/hash';
import { databaseNames, LOG_STORE, META_KEY, SNAPSHOT_STORE, type PageRead } from '../../shared/layout-names';
import { Reserve } from './reserve';
import { CheckpointStore } from './checkpoint-store';
import { createStrictStore, idbCall, type StrictStore } from './strict-store';
import { appendFenced, dropFence, openFence, type Fence } from './log-append';
import { OpfsLog, opfsLogSupported } from '../opfs/log-file';
import { logDatabaseExists, putMark, readHead, removeMark } from './opfs-mark';
import { describe, type Loaded, type LogEntry, type Meta, type SnapshotKey } from './layout-types';
import { loadState, readLog } from './layout-read';

export type { Loaded, LogEntry, Meta, SnapshotKey } from './layout-types';

const META = META_KEY;
/** A commit this small may use the fold's room when the quota refuses it (see `append`). */
const SMALL_COMMIT = 4096;

export { databaseNames };

export class Persistence {
  /** The two databases, the fold's reserve and the OPFS log: also for the reads (layout-read.ts). */
  readonly log: StrictStore;
  readonly snapshots: StrictStore;
  readonly reserve: Reserve;
  /** The checkpoints kept beside the snapshots. */
  readonly kept: CheckpointStore;
  readonly opfs: OpfsLog;
  private readonly wantsOpfs: boolean;
  /** Where this lease appends: looked up at its first append, forgotten when the lease ends (`letGo`). */
  private place: Promise<LogPlace> | undefined;
  /** What `place` resolved to, once it has. */
  private placed: LogPlace | undefined;
  /** True once appends went to OPFS: they block the worker while they write and flush (group-commit.ts yields first). */
  inline = false;

  /**
   * `reserveBytes`: room kept under the quota so that a fold can always be
   * written (reserve.ts). `log`: where new log entries go where the browser
   * offers OPFS access handles (else IndexedDB).
   */
  constructor(
    readonly name: string,
    durability: Durability,
    reserveBytes = 0,
    log: LogPlace = 'indexeddb',
  ) {
    const names = databaseNames(name);
    this.opfs = new OpfsLog(name, durability === 'strict');
    this.wantsOpfs = log === 'opfs' && opfsLogSupported();
    this.log = createStrictStore(names.log, LOG_STORE, durability);
    this.snapshots = createStrictStore(names.snapshots, SNAPSHOT_STORE, durability);
    this.reserve = new Reserve(this.snapshots, reserveBytes);
    this.kept = new CheckpointStore(this.snapshots);
  }

  /**
   * Reads the snapshot pointer and every log entry after `after` in one
   * IndexedDB transaction, so the two agree even while other tabs commit
   * and fold (layout-read.ts).
   */
  readLog(after: number, fromPage?: PageRead, lookedUp?: Promise<boolean>): Promise<{ meta: Meta | undefined; entries: LogEntry[] }> {
    return readLog(this, after, fromPage, lookedUp);
  }

  /**
   * The highest commit this store's IndexedDB knows of: the pointer's
   * snapshot or the newest log entry, whichever is higher. Reads only the
   * raw pointer and the log's keys, never the snapshot, and validates
   * neither: it works on a store that cannot be opened.
   */
  async highestSeq(): Promise<number> {
    return Math.max(await this.highestInIdb(), (await this.opfs.exists()) ? await this.opfs.highest() : 0);
  }

  /** `highestSeq` of the IndexedDB part alone: the snapshot pointer and the IndexedDB log. */
  private async highestInIdb(): Promise<number> {
    return (await this.guard('reading the log', () => readHead(this.log))).highest;
  }

  /** Once per lease, before its first append to the OPFS log: `highestInIdb`, the mark put first if missing. */
  private async opfsLease(): Promise<number> {
    const head = await this.guard('reading the log', () => readHead(this.log));
    if (!head.marked) await this.guard('marking the log as kept in OPFS', () => putMark(this.log));
    return head.highest;
  }

  /**
   * For `recoverStore`: what IndexedDB keeps of a store marked as having
   * its log in OPFS, when that log is gone (undefined otherwise).
   */
  async lostOpfsLog(): Promise<{ seq: number; bytes: number; savedAt: string } | undefined> {
    if (!opfsLogSupported() || (await this.opfs.exists()) || !(await logDatabaseExists(databaseNames(this.name).log))) return undefined;
    const head = await this.guard('reading the log', () => readHead(this.log));
    if (!head.marked) return undefined;
    return { seq: head.highest, bytes: head.snapshotBytes, savedAt: head.writtenAt };
  }

  /** For `recoverStore`: the store holds what IndexedDB kept; its log is no longer taken for lost. */
  async forgetOpfsLog(): Promise<void> {
    await this.guard('recovering the store', () => removeMark(this.log));
  }

  /** Reads and verifies the snapshot and every log entry after it (layout-read.ts). */
  load(fromPage?: Promise<PageRead | undefined>): Promise<Loaded> {
    return loadState(this, fromPage);
  }

  /**
   * Makes commits durable: one entry, or a batch of consecutive ones (group
   * commit), in one IndexedDB transaction. `add`, not `put`, and a look at
   * the pointer and the first new entry's key in the same transaction: a
   * writer whose view is stale (a tab frozen while holding the write lock,
   * then resumed) fails with `CONFLICT` instead of overwriting another tab's
   * commit (log-append.ts).
   */
  async append(entries: LogEntry[], early?: Fence): Promise<void> {
    const place = await this.where().catch((error: unknown) => {
      dropFence(early);
      throw error;
    });
    this.inline = place === 'opfs';
    const what = describe(entries);
    let fence = early; // for the first attempt only
    const idb = () => {
      const f = fence;
      fence = undefined;
      return this.guard(what, () => appendFenced(this.log, entries, META, f));
    };
    if (place === 'opfs') dropFence(early);
    const write = place === 'opfs' ? () => this.opfs.append(entries, () => this.opfsLease(), what) : idb;
    // At the quota a small commit (a delete is a few bytes) may use the room kept for the fold: it is
    // how a user gets out, and the fold after it needs little room. A large one may not (reserve.ts).
    const small = entries.reduce((n, e) => n + e.bytes.length, 0) <= SMALL_COMMIT;
    await (small ? this.reserve.orRelease(write) : write());
  }

  /** Where this lease appends (looked up once per lease: another tab may have moved the log to OPFS meanwhile). */
  where(): Promise<LogPlace> {
    this.place ??= (async () => (this.wantsOpfs || (await this.opfs.exists()) ? 'opfs' : 'indexeddb'))().then((place) => (this.placed = place));
    return this.place.catch((error: unknown) => {
      this.place = undefined;
      throw error;
    });
  }

  /**
   * The fence of the IndexedDB append that will start at commit `first`,
   * opened now (log-append.ts `openFence`): where this lease's appends are
   * known to go to IndexedDB and the connection is open; else undefined.
   */
  openAppend(first: number): Fence | undefined {
    if (this.place === undefined || this.placed !== 'indexeddb' || this.cleared) return undefined;
    const store = this.log.now('readwrite');
    return store && openFence(store, first, META);
  }

  /** This tab lets go of the write lock: the OPFS log's access handle is closed first, for the next writer. */
  letGo(): void {
    this.place = undefined;
    this.placed = undefined;
    this.opfs.release();
  }

  /**
   * Makes `image` the state as of commit `seq`: the image goes in first,
   * under a fresh key, and the pointer flips second. The flip is skipped if
   * a newer snapshot (or another tab's of the same commit) won meanwhile,
   * and the image written for it is taken away again. Returns the new
   * pointer, or undefined when it was skipped.
   */
  async writeSnapshot(seq: number, image: Uint8Array, options: { commit?: boolean } = {}): Promise<Meta | undefined> {
    const key: SnapshotKey = [seq, crypto.randomUUID()];
    const meta: Meta = { format: 1, snapshotSeq: seq, snapshotBytes: image.length, snapshotSha256: await sha256Hex(image), snapshotKey: key, writtenAt: new Date().toISOString() };
    const wasCleared = this.cleared;
    const what = `persisting the snapshot of commit ${seq}`;
    // A snapshot commit is commit `seq`: the OPFS log must not hold it already (the pointer's check below covers IndexedDB).
    if (options.commit && (await this.opfs.exists()) && (await this.opfs.highest()) >= seq) throw conflict(seq);
    // At the quota: give up the room kept for this moment, then try once more (reserve.ts).
    await this.reserve.orRelease(() =>
      this.guard(what, () =>
        this.snapshots('readwrite', (s) => {
          s.add(image, key);
          return promisifyRequest(s.transaction);
        }),
      ),
    );
    let flipped = false;
    try {
      flipped = await this.guard(what, () =>
        this.log('readwrite', async (s) => {
          const current = (await promisifyRequest(s.get(META))) as Meta | undefined;
          if (current && current.snapshotSeq >= seq) {
            if (options.commit) throw conflict(seq);
            return false; // a fold that a newer snapshot (or one of the same commit) overtook: nothing lost
          }
          // A snapshot commit is commit `seq`: no other tab may have written that commit already.
          if (options.commit && (await promisifyRequest(s.count(IDBKeyRange.bound(seq, Infinity))))) throw conflict(seq); // numbers only, not 'meta'
          s.put(meta, META);
          await promisifyRequest(s.transaction);
          return true;
        }),
      );
    } finally {
      if (!flipped) void this.snapshots('readwrite', (s) => promisifyRequest((s.delete(key), s.transaction))).catch(() => undefined);
    }
    if (flipped && wasCleared) (this.log.resetLost(), this.snapshots.resetLost());
    if (flipped) (options.commit ? this.opfs.noteSnapshot(seq) : this.opfs.noteFold(seq));
    return flipped ? meta : undefined;
  }

  /** Sweeps what a snapshot at `seq` made obsolete. Best effort: leftovers are ignored on load. */
  async sweep(seq: number): Promise<void> {
    void this.opfs.sweep(seq);
    const swept = Promise.all([
      this.log('readwrite', (s) => {
        s.delete(IDBKeyRange.bound(0, seq));
        return promisifyRequest(s.transaction);
      }),
      this.snapshots('readwrite', (s) => {
        // Numbers sort first: this range is the numbered images of older stores, below `seq`.
        s.delete(IDBKeyRange.upperBound(seq, true));
        // [n, nonce] with n < seq; checkpoint keys ['checkpoint', …] sort after every [number, …].
        s.delete(IDBKeyRange.bound([], [seq], false, true));
        return promisifyRequest(s.transaction);
      }),
    ]);
    // With the older state gone there is room again: keep it for the next fold.
    await swept.then(() => this.reserve.fill(), () => undefined);
  }

  /** True when either database went away under us: the next commit must write everything again. */
  get cleared(): boolean {
    return this.log.lost || this.snapshots.lost;
  }

  close(): void {
    this.opfs.release(true);
    this.log.close();
    this.snapshots.close();
  }

  private guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return idbCall(what, fn);
  }
}
