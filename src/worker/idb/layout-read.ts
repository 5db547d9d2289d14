/**
 * Reading a store's durable state (layout.ts): the pointer and the log
 * entries after a commit, from IndexedDB and the OPFS log, and at open the
 * snapshot the pointer names, verified.
 */
import { get } from 'idb-keyval';
import { StoreError } from '../../shared/errors';
import { sha256Hex } from '../../shared/hash';
import { stage } from '../../shared/stages';
import { META_KEY as META, readLogRequests, type PageRead } from '../../shared/layout-names';
import { opfsLogSupported, type OpfsLog } from '../opfs/log-file';
import type { Reserve } from './reserve';
import { idbCall, type StrictStore } from './strict-store';
import { opfsLogLost } from './opfs-mark';
import { sameKey, type Loaded, type LogEntry, type Meta } from './layout-types';

/** What the reads use of a store's `Persistence`. */
export interface Stores {
  readonly name: string;
  readonly log: StrictStore;
  readonly snapshots: StrictStore;
  readonly opfs: OpfsLog;
  readonly reserve: Reserve;
}

/**
 * Reads the snapshot pointer and every log entry after `after` in one
 * IndexedDB transaction, so the two agree even while other tabs commit
 * and fold. Entries must follow each other without a gap.
 */
export async function readLog(p: Stores, after: number, fromPage?: PageRead, lookedUp?: Promise<boolean>): Promise<{ meta: Meta | undefined; entries: LogEntry[] }> {
  const inOpfs = lookedUp ?? p.opfs.exists(); // looked up beside the IndexedDB read (`lookedUp`: started already)
  inOpfs.catch(() => undefined); // awaited below
  // `fromPage`: the same transaction's results, read by the page for the open (client/page-read.ts).
  // (Its shape is checked where it arrives, rpc/api.ts `provideState`.)
  const [pointer, keys, values, mark] = fromPage ? [fromPage.meta, fromPage.keys, fromPage.values, fromPage.opfsLog] : await idbCall('reading the log', () => p.log('readonly', (s) => readLogRequests(s, after)));
  let meta = pointer as Meta | undefined;
  const found: LogEntry[] = keys.map((key, i) => {
    const bytes = values[i];
    if (!(bytes instanceof Uint8Array)) throw new StoreError('CORRUPT', `log entry ${Number(key)} is damaged: it is not binary`);
    return { seq: Number(key), bytes };
  });
  // A mark without the directory may be a tab making this store's OPFS log right now (it marks
  // first): the lookup ran beside the read or before it, so look once more before calling it lost.
  if ((await inOpfs) || (mark !== undefined && (await p.opfs.exists()))) {
    // The OPFS files first, the pointer after: a fold in between covers what a sweep took away.
    found.push(...(await p.opfs.read(after)));
    meta = (await idbCall('reading the log', () => get<Meta>(META, p.log))) ?? meta;
    found.sort((a, b) => a.seq - b.seq);
  } else if (mark !== undefined) {
    const kept = Math.max((meta as Partial<Meta> | undefined)?.snapshotSeq ?? 0, found.at(-1)?.seq ?? 0);
    throw opfsLogLost(p.name, Number(kept) || 0, opfsLogSupported());
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
 * Reads and verifies the snapshot and every log entry after it; damage is
 * `CORRUPT`, naming what. `fromPage`: what the page read for this open
 * while the worker started, used in place of the first reads (undefined:
 * the page could not, so read here).
 */
export async function loadState(p: Stores, fromPage?: Promise<PageRead | undefined>): Promise<Loaded> {
  // The snapshot's key is in the log database's pointer; opening the snapshots database meanwhile
  // takes its connection set-up (10–30 ms on a cold start) off the path.
  // With the page's read, both connections open now, off the path, for the writes to come.
  // Whether the log is in OPFS: the page looked it up beside its read (in a worker that has just
  // started, the lookup took 20-35 ms); without the page's read, looked up here beside this one.
  let page = await fromPage;
  if (fromPage) stage(page ? 'open:state-from-page' : 'open:state-not-from-page');
  let lookedUp: Promise<boolean> | undefined = typeof page?.opfsDir === 'boolean' ? Promise.resolve(page.opfsDir) : undefined;
  void p.snapshots('readonly', async () => undefined).catch(() => undefined);
  if (page) void p.log('readonly', async () => undefined).catch(() => undefined);
  for (let attempt = 0; ; attempt++) {
    const { meta, entries } = await readLog(p, 0, page, lookedUp);
    lookedUp = undefined; // a second attempt looks again
    const base = meta?.snapshotSeq ?? 0;
    if (!meta || base === 0) {
      p.reserve.fill(); // in the background, in the snapshots database: the log's puts do not queue behind it
      return { meta, image: undefined, entries, verified: Promise.resolve() };
    }
    const key = meta.snapshotKey ?? base;
    // The page's snapshot only if it is the one this pointer names (an OPFS log's pointer is read again here).
    const raw = page && 'snapshot' in page && sameKey(page.snapshotKey, key) ? page.snapshot : await idbCall('reading the snapshot', () => get<unknown>(key, p.snapshots));
    page = undefined; // a second attempt reads here
    const label = `the snapshot of commit ${base}`;
    if (!(raw instanceof Uint8Array)) {
      // Another tab may have folded and swept between the two reads: read the newer pointer.
      const again = await idbCall('reading the log', () => get<Meta>(META, p.log));
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
    verified.then(() => p.reserve.fill(), () => undefined);
    return { meta, image: raw, entries, verified };
  }
}
