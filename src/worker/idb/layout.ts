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
import { get, promisifyRequest } from 'idb-keyval';
import { conflict, StoreError } from '../../shared/errors';
import type { Durability, LogPlace } from '../../shared/types';
import { sha256Hex } from '../../shared/hash';
import { stage } from '../../shared/stages';
import { databaseNames, LOG_STORE, META_KEY, readLogRequests, SNAPSHOT_STORE, type PageRead } from '../../shared/layout-names';
import { Reserve } from './reserve';
import { CheckpointStore } from './checkpoint-store';
import { createStrictStore, idbCall, type StrictStore } from './strict-store';
import { appendFenced, dropFence, openFence, type Fence } from './log-append';
import { OpfsLog, opfsLogSupported } from '../opfs/log-file';
import { logDatabaseExists, opfsLogLost, putMark, readHead, removeMark } from './opfs-mark';
import { describe, sameKey, type Loaded, type LogEntry, type Meta, type SnapshotKey } from './layout-types';

export type { Loaded, LogEntry, Meta, SnapshotKey } from './layout-types';

const META = META_KEY;
/** A commit this small may use the fold's room when the quota refuses it (see `append`). */
const SMALL_COMMIT = 4096;

export { databaseNames };

export class Persistence {
  private readonly log: StrictStore;
  private readonly snapshots: StrictStore;
  private readonly reserve: Reserve;
  /** The checkpoints kept beside the snapshots. */
  readonly kept: CheckpointStore;
  private readonly opfs: OpfsLog;
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
    private readonly name: string,
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
   * and fold. Entries must follow each other without a gap.
   */
  async readLog(after: number, fromPage?: PageRead, lookedUp?: Promise<boolean>): Promise<{ meta: Meta | undefined; entries: LogEntry[] }> {
    const inOpfs = lookedUp ?? this.opfs.exists(); // looked up beside the IndexedDB read (`lookedUp`: started already)
    inOpfs.catch(() => undefined); // awaited below
    // `fromPage`: the same transaction's results, read by the page for the open (client/page-read.ts).
    // (Its shape is checked where it arrives, rpc/api.ts `provideState`.)
    const [pointer, keys, values, mark] = fromPage ? [fromPage.meta, fromPage.keys, fromPage.values, fromPage.opfsLog] : await this.guard('reading the log', () => this.log('readonly', (s) => readLogRequests(s, after)));
    let meta = pointer as Meta | undefined;
    const found: LogEntry[] = keys.map((key, i) => {
      const bytes = values[i];
      if (!(bytes instanceof Uint8Array)) throw new StoreError('CORRUPT', `log entry ${Number(key)} is damaged: it is not binary`);
      return { seq: Number(key), bytes };
    });
    // A mark without the directory may be a tab making this store's OPFS log right now (it marks
    // first): the lookup ran beside the read or before it, so look once more before calling it lost.
    if ((await inOpfs) || (mark !== undefined && (await this.opfs.exists()))) {
      // The OPFS files first, the pointer after: a fold in between covers what a sweep took away.
      found.push(...(await this.opfs.read(after)));
      meta = (await this.guard('reading the log', () => get<Meta>(META, this.log))) ?? meta;
      found.sort((a, b) => a.seq - b.seq);
    } else if (mark !== undefined) {
      const kept = Math.max((meta as Partial<Meta> | undefined)?.snapshotSeq ?? 0, found.at(-1)?.seq ?? 0);
      throw opfsLogLost(this.name, Number(kept) || 0, opfsLogSupported());
    }
    if (meta !== undefined && (typeof meta !== 'object' || meta.format !== 1 || !Number.isSafeInteger(meta.snapshotSeq))) {
      throw new StoreError('CORRUPT', 'the store metadata is damaged or of an unknown format');
    }
    const base = Math.max(after, meta?.snapshotSeq ?? 0);
    const entries: LogEntry[] = [];
    let expected = base + 1;
    for (const entry of found) {
      if (entry.seq <= base) continue; // folded into the snapshot, not yet swept
      if (entry.seq !== expected) {
        throw new StoreError('CORRUPT', entry.seq < expected ? `log entry ${entry.seq} is kept twice` : `log entry ${expected} is missing (the next one found is ${entry.seq})`);
      }
      entries.push(entry);
      expected++;
    }
    return { meta, entries };
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

  /**
   * Reads and verifies the snapshot and every log entry after it; damage is
   * `CORRUPT`, naming what. `fromPage`: what the page read for this open
   * while the worker started, used in place of the first reads (undefined:
   * the page could not, so read here).
   */
  async load(fromPage?: Promise<PageRead | undefined>): Promise<Loaded> {
    // The snapshot's key is in the log database's pointer; opening the snapshots database meanwhile
    // takes its connection set-up (10–30 ms on a cold start) off the path.
    // With the page's read, both connections open now, off the path, for the writes to come.
    // Whether the log is in OPFS: the page looked it up beside its read (in a worker that has just
    // started, the lookup took 20-35 ms); without the page's read, looked up here beside this one.
    let page = await fromPage;
    if (fromPage) stage(page ? 'open:state-from-page' : 'open:state-not-from-page');
    let lookedUp: Promise<boolean> | undefined = typeof page?.opfsDir === 'boolean' ? Promise.resolve(page.opfsDir) : undefined;
    void this.snapshots('readonly', async () => undefined).catch(() => undefined);
    if (page) void this.log('readonly', async () => undefined).catch(() => undefined);
    for (let attempt = 0; ; attempt++) {
      const { meta, entries } = await this.readLog(0, page, lookedUp);
      lookedUp = undefined; // a second attempt looks again
      const base = meta?.snapshotSeq ?? 0;
      if (!meta || base === 0) {
        this.reserve.fill(); // in the background, in the snapshots database: the log's puts do not queue behind it
        return { meta, image: undefined, entries, verified: Promise.resolve() };
      }
      const key = meta.snapshotKey ?? base;
      // The page's snapshot only if it is the one this pointer names (an OPFS log's pointer is read again here).
      const raw = page && 'snapshot' in page && sameKey(page.snapshotKey, key) ? page.snapshot : await this.guard('reading the snapshot', () => get<unknown>(key, this.snapshots));
      page = undefined; // a second attempt reads here
      const label = `the snapshot of commit ${base}`;
      if (!(raw instanceof Uint8Array)) {
        // Another tab may have folded and swept between the two reads: read the newer pointer.
        const again = await this.guard('reading the log', () => get<Meta>(META, this.log));
        if (again && again.snapshotSeq !== base && attempt < 3) continue;
        throw new StoreError('CORRUPT', `${label} is missing`);
      }
      if (raw.length !== meta.snapshotBytes) {
        throw new StoreError('CORRUPT', `${label} is damaged: ${raw.length} bytes where ${meta.snapshotBytes} were written`);
      }
      // The digest takes its copy of the bytes now, so the caller may open (and adopt) the image meanwhile.
      const verified = sha256Hex(raw).then((sha) => {
        if (sha !== meta.snapshotSha256) throw new StoreError('CORRUPT', `${label} is damaged: its SHA-256 does not match`);
      });
      // The reserve's writes would queue this read behind them: they start once it is done.
      verified.then(() => this.reserve.fill(), () => undefined);
      return { meta, image: raw, entries, verified };
    }
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
    this.place ??= (async () => (this.wantsOpfs || (await this.opfs.exists()) ? 'opfs' : 'indexeddb'))().then((place) => (this.placed = place));
    const place = await this.place.catch((error: unknown) => {
      this.place = undefined;
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
