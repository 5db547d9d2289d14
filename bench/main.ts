/**
 * The benchmark page. Every contender (contenders.ts) implements the same
 * ledger workloads (see workload.ts); bench/run.ts drives them through
 * `window.bench`.
 */
import type { Ledger } from '../src/index';
import { open, SqlWorker, type Contender, type ContenderName } from './contenders';
import { BYTES_PER_OP, FILL_CHUNK, PLAYERS, accountId, playerRef } from './workload';
import { collectMarks, commitStages, memory, now, type MemorySample, type StageRow } from './probes';
import { pair, rng, summarize, timeIt, type Summary } from './sampling';
import { coldOpen, rawColdPrepare } from './cold';

export type { Summary } from './sampling';

export type { ContenderName } from './contenders';

/** When this page's script began to run (the cold open's first page mark). */
const scriptStart = now();

/**
 * Between filling a store and timing it: the contender's own background
 * work (Pacioli folds its log into a snapshot after a bulk write, which for
 * a second or two slows commits and queues reads) is finished, and every
 * contender gets a quiet moment (IndexedDB compacts after large writes).
 * Otherwise the samples would time whatever the fill set off rather than
 * the steady state. Bulk writes do set it off in real use too: that cost is
 * in the fill and import times, not hidden.
 */
async function settle(c: Contender): Promise<void> {
  await c.settle?.();
  await new Promise((resolve) => setTimeout(resolve, 500));
}

// ---------------------------------------------------------------- workloads

const opened = new Map<string, Contender>();


export interface TransferResult {
  contender: ContenderName;
  config: string;
  targetBytes: number;
  prefilledOps: number;
  dbBytes: number;
  fillMs: number;
  transfer: Summary;
  read: Summary;
}

const api = {
  userAgent: () => navigator.userAgent,
  isolated: () => crossOriginIsolated,

  /** One small put in one readwrite transaction, raw IndexedDB. */
  async rawPut(durability: 'strict' | 'relaxed', samples: number): Promise<Summary> {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open(`bench-raw-${durability}`);
      r.onupgradeneeded = () => r.result.createObjectStore('kv');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const once = () =>
      new Promise<void>((resolve, reject) => {
        const tx = db.transaction('kv', 'readwrite', { durability });
        tx.objectStore('kv').put({ n: Math.random() }, 'k');
        tx.oncomplete = () => resolve();
        tx.onabort = tx.onerror = () => reject(tx.error);
      });
    for (let i = 0; i < 10; i++) await once();
    const out: number[] = [];
    for (let i = 0; i < samples; i++) out.push(await timeIt(once));
    db.close();
    return summarize(out);
  },

  /** One small write and flush() on an OPFS sync access handle in a worker, page to page: the fsync (OPFS) limit. */
  async rawOpfsFlush(samples: number): Promise<Summary> {
    const w = new SqlWorker();
    try {
      await w.call({ op: 'opfs-open' });
      for (let i = 0; i < 10; i++) await w.call({ op: 'opfs-put' });
      const out: number[] = [];
      for (let i = 0; i < samples; i++) out.push(await timeIt(() => w.call({ op: 'opfs-put' })));
      return summarize(out);
    } finally {
      w.terminate();
    }
  },

  /** A raw worker postMessage round trip (to an idle worker that answers at once). */
  async postMessageRtt(samples: number): Promise<Summary> {
    const w = new SqlWorker();
    for (let i = 0; i < 50; i++) await w.call({ op: 'ping' });
    const out: number[] = [];
    for (let i = 0; i < samples; i++) out.push(await timeIt(() => w.call({ op: 'ping' })));
    w.terminate();
    return summarize(out);
  },

  /** Workloads 1 and 2: fill to `targetBytes`, then time durable transfers and point reads. */
  async transfers(o: { contender: ContenderName; name: string; targetBytes: number; samples: number; warmup: number; reads: number }): Promise<TransferResult> {
    const c = await open(o.contender, o.name);
    opened.set(o.name, c);
    const ops = Math.max(0, Math.round(o.targetBytes / BYTES_PER_OP));
    const t0 = performance.now();
    for (let i = 0; i < ops; i += FILL_CHUNK) await c.fill(i, Math.min(ops, i + FILL_CHUNK));
    const fillMs = performance.now() - t0;
    await settle(c);
    const r = rng(42);
    for (let i = 0; i < o.warmup; i++) await c.transfer(...pair(r), 1 + (i % 7));
    const t: number[] = [];
    for (let i = 0; i < o.samples; i++) {
      const [a, b] = pair(r);
      t.push(await timeIt(() => c.transfer(a, b, 1 + (i % 7))));
    }
    for (let i = 0; i < 20; i++) await c.balance(pair(r)[0]);
    const rd: number[] = [];
    for (let i = 0; i < o.reads; i++) {
      const ref = pair(r)[0];
      rd.push(await timeIt(() => c.balance(ref)));
    }
    const dbBytes = await c.size();
    return { contender: o.contender, config: c.config, targetBytes: o.targetBytes, prefilledOps: ops, dbBytes, fillMs, transfer: summarize(t), read: summarize(rd) };
  },

  /** Workload 7 on an open Pacioli store: backup export and restore, with memory around them. */
  async backup(name: string): Promise<{ exportMs: number; restoreMs: number; backupBytes: number; memory: { phase: string; bytes: number; source: string }[] }> {
    const c = opened.get(name) as (Contender & { ledger?: Ledger }) | undefined;
    if (!c?.ledger) throw new Error(`no open Pacioli store ${name}`);
    const store = c.ledger.store;
    const mem: { phase: string; bytes: number; source: string }[] = [];
    const sample = async (phase: string) => {
      const m = await memory();
      if (m) mem.push({ phase, ...m });
    };
    await sample('before export');
    let bytes: Uint8Array = new Uint8Array();
    const exportMs = await timeIt(async () => void (bytes = await store.exportBackup()));
    await sample('after export (backup held by the page)');
    const restoreMs = await timeIt(() => store.restoreBackup(bytes));
    await sample('after restore');
    return { exportMs, restoreMs, backupBytes: bytes.byteLength, memory: mem };
  },

  /** Page-plus-workers memory of this tab, or null where the browser reports none. */
  memoryNow: (): Promise<MemorySample | null> => memory(),

  /** Opens `contender` on `name` in this tab (another tab of the memory workload) and reads one balance. */
  async openAndRead(contender: ContenderName, name: string): Promise<void> {
    const c = opened.get(name) ?? (await open(contender, name));
    opened.set(name, c);
    await c.balance(playerRef(3));
  },

  /**
   * The single-commit breakdown: reopens Pacioli's store `name` with its
   * worker's stage marks on (closing the timed one first), and times
   * `samples` transfers stage by stage after a warm-up.
   */
  async commitStages(o: { contender: ContenderName; name: string; samples: number }): Promise<{ total: Summary; stages: StageRow[] }> {
    await api.close(o.name);
    const c = await open(o.contender, o.name, true);
    opened.set(o.name, c);
    const r = rng(99);
    for (let i = 0; i < 10; i++) await c.transfer(...pair(r), 1);
    const collector = collectMarks();
    const commits: { call: number; done: number }[] = [];
    for (let i = 0; i < o.samples; i++) {
      const [a, b] = pair(r);
      const call = now();
      await c.transfer(a, b, 1);
      commits.push({ call, done: now() });
    }
    await collector.stop();
    return { total: summarize(commits.map((x) => x.done - x.call)), stages: commitStages(commits, collector.marks) };
  },

  async close(name: string): Promise<void> {
    const c = opened.get(name);
    opened.delete(name);
    await c?.close();
  },

  /** Deletes every IndexedDB database of the origin, and Pacioli's records in OPFS (between contenders). */
  async wipe(): Promise<void> {
    for (const c of opened.values()) await c.close().catch(() => undefined);
    opened.clear();
    const dbs = await indexedDB.databases();
    await Promise.all(
      dbs.map(
        (d) =>
          new Promise<void>((resolve) => {
            const r = indexedDB.deleteDatabase(d.name!);
            r.onsuccess = r.onerror = r.onblocked = () => resolve();
          }),
      ),
    );
    // Everything in OPFS too: Pacioli's records (without its record, a store whose databases were deleted
    // here opens as new, not as lost) and the OPFS contenders' files.
    const root = await navigator.storage.getDirectory();
    const names: string[] = [];
    for await (const name of (root as FileSystemDirectoryHandle & { keys(): AsyncIterable<string> }).keys()) names.push(name);
    for (const name of names) await root.removeEntry(name, { recursive: true }).catch(() => undefined);
  },

  /** Writes `bytes` random-ish bytes under one key (the raw baseline for cold open). */
  rawColdPrepare,

  /** Workloads 3 and 4: bulk imports into a fresh ledger, then the analytical reads. */
  async analytic(o: { contender: ContenderName; name: string; importRows: number; totalRows: number; reps: number; reads: number }) {
    const c = await open(o.contender, o.name);
    opened.set(o.name, c);
    const imports: number[] = [];
    const k = Math.max(1, Math.round(o.totalRows / o.importRows));
    for (let i = 0; i < k; i++) imports.push(await timeIt(() => c.importRows(i, o.importRows)));
    await settle(c);
    const totals: number[] = [];
    const last: number[] = [];
    for (let i = 0; i < o.reps; i++) totals.push(await timeIt(() => c.totals()));
    // As many reads as the point read takes, after a few untimed ones: each is well under a millisecond, and the
    // 15 this took before (right after the heavy totals query) moved its p50 by half between identical runs.
    const r = rng(7);
    for (let i = 0; i < o.reads + 10; i++) {
      const a = accountId(Math.floor(r() * PLAYERS));
      const ms = await timeIt(() => c.last50(a));
      if (i >= 10) last.push(ms);
    }
    const dbBytes = await c.size();
    await api.close(o.name);
    return {
      contender: o.contender,
      config: c.config,
      importRows: o.importRows,
      totalRows: k * o.importRows,
      importMs: summarize(imports),
      rowsPerSecond: o.importRows / (summarize(imports).p50 / 1000),
      firstImportRowsPerSecond: o.importRows / (imports[0]! / 1000),
      totalsMs: summarize(totals),
      last50Ms: summarize(last),
      dbBytes,
    };
  },

  /** Workload 6: opens the contender in this tab (players shared). */
  async contendOpen(contender: ContenderName, name: string): Promise<void> {
    if (!opened.has(name)) opened.set(name, await open(contender, name));
  },

  /**
   * Workload 8: `callers` concurrent callers in this one tab, each making
   * `each` transfers one after another (the "10 tasks × 100"); the
   * store's group commit (or its absence) decides how they share commits.
   */
  async callersRun(name: string, callers: number, each: number, players: number): Promise<{ committed: number; failed: number; ms: number }> {
    const c = opened.get(name)!;
    const t0 = performance.now();
    const runs = await Promise.all(Array.from({ length: callers }, (_, k) => transferLoop(c, rng(500 + k), players, (done) => done < each)));
    return { committed: runs.reduce((n, x) => n + x.committed, 0), failed: runs.reduce((n, x) => n + x.failed, 0), ms: performance.now() - t0 };
  },

  /** Workload 6: transfers among `players` overlapping players for `ms`; returns how many committed. */
  async contendRun(name: string, ms: number, seed: number, players: number): Promise<{ committed: number; failed: number; ms: number }> {
    const t0 = performance.now();
    const run = await transferLoop(opened.get(name)!, rng(seed), players, () => performance.now() - t0 < ms);
    return { ...run, ms: performance.now() - t0 };
  },
};

export type BenchApi = typeof api;

/** One caller's transfers, one after another, while `more(attempted)` holds; failures are counted, not thrown. */
async function transferLoop(c: Contender, r: ReturnType<typeof rng>, players: number, more: (attempted: number) => boolean): Promise<{ committed: number; failed: number }> {
  let committed = 0;
  let failed = 0;
  while (more(committed + failed)) {
    try {
      await c.transfer(...pair(r, players), 1);
      committed++;
    } catch {
      failed++;
    }
  }
  return { committed, failed };
}

declare global {
  interface Window {
    bench: BenchApi;
    benchCold?: { ms?: number; error?: string; stages?: { mark: string; ms: number }[] };
  }
}

window.bench = api;
void coldOpen(scriptStart).finally(() => document.body.setAttribute('data-ready', '1'));
