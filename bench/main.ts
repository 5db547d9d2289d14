/**
 * The benchmark page. Every contender implements the same ledger workloads
 * (see workload.ts); bench/run.ts drives them through `window.bench`.
 */
import Dexie, { type Table } from 'dexie';
import { get, set, createStore } from 'idb-keyval';
import { openLedger, type Ledger } from '../src/index';
import {
  BYTES_PER_OP,
  FILL_CHUNK,
  FILL_TIME,
  OPENING_BALANCE,
  PLAYERS,
  SQL,
  accountId,
  fillOp,
  fillSql,
  importOpId,
  importRows,
  playerRef,
  playersSql,
  randomId,
  type SqlEngine,
  type WorkerRequest,
} from './workload';

export const CONTENDERS = [
  'pacioli-strict',
  'pacioli-relaxed',
  'dexie-strict',
  'dexie-relaxed',
  'wa-batch-strict',
  'wa-batch-relaxed',
  'wa-mirror',
  'sqljs-naive',
  'sqljs-memory',
] as const;
export type ContenderName = (typeof CONTENDERS)[number];

interface Contender {
  config: string;
  transfer(from: string, to: string, amount: number): Promise<void>;
  balance(ref: string): Promise<number>;
  fill(from: number, to: number): Promise<void>;
  importRows(k: number, rows: number): Promise<void>;
  totals(): Promise<number>;
  last50(account: number): Promise<number>;
  size(): Promise<number>;
  /** Finishes background work a fill left behind, where the contender has a call for it. */
  settle?(): Promise<void>;
  close(): Promise<void>;
}

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

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  mean: number;
  min: number;
  max: number;
}

function summarize(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
  return { n: s.length, p50: q(0.5), p95: q(0.95), mean: s.reduce((a, b) => a + b, 0) / (s.length || 1), min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN };
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pair(r: () => number, players = PLAYERS): [string, string] {
  const a = Math.floor(r() * players);
  let b = Math.floor(r() * (players - 1));
  if (b >= a) b++;
  return [playerRef(a), playerRef(b)];
}

// ---------------------------------------------------------------- Pacioli

async function pacioli(name: string, durability: 'strict' | 'relaxed'): Promise<Contender & { ledger: Ledger }> {
  const ledger = await openLedger({ name, durability, txTimeoutMs: 120_000 });
  const { store } = ledger;
  const [{ n }] = (await store.query<{ n: number }>(`SELECT count(*) AS n FROM account WHERE kind = 'player'`)) as [{ n: number }];
  if (n === 0) await store.run(playersSql());
  return {
    ledger,
    config: `openLedger({ durability: '${durability}' }) (defaults otherwise: compactAfterBytes 4 MB); transfer = ledger.transfer, one RPC and one transaction`,
    async transfer(from, to, amount) {
      await ledger.transfer(from, to, BigInt(amount));
    },
    async balance(ref) {
      return Number(await ledger.getBalance(ref));
    },
    async fill(from, to) {
      await store.run(fillSql(from, to));
    },
    async importRows(k, rows) {
      const json = JSON.stringify(importRows(k, rows));
      await store.transaction(async (tx) => {
        await tx.run(SQL.importOp, [importOpId(k)]);
        await tx.run(SQL.importEntries, [importOpId(k), json]);
      });
    },
    async totals() {
      return (await store.query(SQL.totals)).length;
    },
    async last50(account) {
      return (await store.query(SQL.last50, [account])).length;
    },
    async size() {
      return Number((await store.query<{ bytes: number }>(SQL.size))[0]!.bytes);
    },
    settle: () => store.compact(),
    close: () => store.close(),
  };
}

// ---------------------------------------------------------------- Dexie

interface DAccount {
  ref: string;
  id: number;
  balance: number;
}
interface DOperation {
  id: string;
  kind: string;
  request: string | null;
  createdAt: string;
}
interface DEntry {
  id?: number;
  operation: string;
  account: number;
  amount: number;
}

async function dexie(name: string, durability: 'strict' | 'relaxed'): Promise<Contender> {
  const db = new Dexie(name, { chromeTransactionDurability: durability }) as Dexie & {
    account: Table<DAccount, string>;
    operation: Table<DOperation, string>;
    entry: Table<DEntry, number>;
  };
  // The same indexes as the SQL schema: account by ref, operation by id, entries by (account, id) and by operation.
  db.version(1).stores({ account: 'ref', operation: 'id', entry: '++id, [account+id], operation' });
  await db.open();
  if ((await db.account.count()) === 0) {
    const accounts: DAccount[] = [];
    for (let i = 0; i < PLAYERS; i++) accounts.push({ ref: playerRef(i), id: accountId(i), balance: OPENING_BALANCE });
    await db.transaction('rw', db.account, db.operation, db.entry, async () => {
      await db.account.bulkAdd(accounts);
      await db.operation.add({ id: 'opening', kind: 'open', request: null, createdAt: FILL_TIME });
      await db.entry.bulkAdd(accounts.map((a) => ({ operation: 'opening', account: a.id, amount: OPENING_BALANCE })));
    });
  }
  return {
    config: `Dexie ${Dexie.semVer}, new Dexie(name, { chromeTransactionDurability: '${durability}' }); transfer = one db.transaction('rw') with 2 get, 1+2 add, 2 put; bulk import = bulkAdd`,
    async transfer(from, to, amount) {
      await db.transaction('rw', db.account, db.operation, db.entry, async () => {
        const [payer, payee] = await Promise.all([db.account.get(from), db.account.get(to)]);
        if (!payer || !payee) throw new Error('no such player');
        if (payer.balance < amount) throw new Error('insufficient funds');
        const op = randomId();
        await db.operation.add({ id: op, kind: 'transfer', request: JSON.stringify(['transfer', from, to, String(amount)]), createdAt: new Date().toISOString() });
        await db.entry.bulkAdd([
          { operation: op, account: payer.id, amount: -amount },
          { operation: op, account: payee.id, amount },
        ]);
        await db.account.bulkPut([
          { ...payer, balance: payer.balance - amount },
          { ...payee, balance: payee.balance + amount },
        ]);
      });
    },
    async balance(ref) {
      return (await db.account.get(ref))!.balance;
    },
    async fill(from, to) {
      const ops: DOperation[] = [];
      const entries: DEntry[] = [];
      const delta = new Map<string, number>();
      for (let i = from; i < to; i++) {
        const f = fillOp(i);
        ops.push({ id: f.id, kind: 'transfer', request: f.request, createdAt: FILL_TIME });
        entries.push({ operation: f.id, account: accountId(f.debit), amount: -f.amount }, { operation: f.id, account: accountId(f.credit), amount: f.amount });
        delta.set(playerRef(f.debit), (delta.get(playerRef(f.debit)) ?? 0) - f.amount);
        delta.set(playerRef(f.credit), (delta.get(playerRef(f.credit)) ?? 0) + f.amount);
      }
      await db.transaction('rw', db.account, db.operation, db.entry, async () => {
        await db.operation.bulkAdd(ops);
        await db.entry.bulkAdd(entries);
        const accounts = await db.account.bulkGet([...delta.keys()]);
        await db.account.bulkPut(accounts.map((a) => ({ ...a!, balance: a!.balance + delta.get(a!.ref)! })));
      });
    },
    async importRows(k, rows) {
      const list = importRows(k, rows).map(([account, amount]) => ({ operation: importOpId(k), account, amount }));
      await db.transaction('rw', db.operation, db.entry, async () => {
        await db.operation.add({ id: importOpId(k), kind: 'adjust', request: null, createdAt: FILL_TIME });
        await db.entry.bulkAdd(list);
      });
    },
    async totals() {
      // Dexie's fastest full read: primary-key ranges read with getAll (toArray), 100 000 at a time.
      const totals = new Map<number, number>();
      let after = 0;
      for (;;) {
        const chunk = await db.entry.where(':id').above(after).limit(100_000).toArray();
        if (chunk.length === 0) break;
        for (const e of chunk) totals.set(e.account, (totals.get(e.account) ?? 0) + e.amount);
        after = chunk[chunk.length - 1]!.id!;
      }
      return totals.size;
    },
    async last50(account) {
      return (await db.entry.where('[account+id]').between([account, Dexie.minKey], [account, Dexie.maxKey]).reverse().limit(50).toArray()).length;
    },
    async size() {
      return NaN; // IndexedDB does not report one database's size
    },
    async close() {
      db.close();
    },
  };
}

// ---------------------------------------------------------------- SQL worker contenders

class SqlWorker {
  private readonly worker = new Worker(new URL('./sql.worker.ts', import.meta.url), { type: 'module' });
  private next = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  constructor() {
    this.worker.onmessage = (event: MessageEvent<{ id: number; ok: boolean; value?: unknown; error?: string }>) => {
      const p = this.pending.get(event.data.id);
      this.pending.delete(event.data.id);
      if (event.data.ok) p?.resolve(event.data.value);
      else p?.reject(new Error(event.data.error));
    };
    this.worker.onerror = (event) => {
      for (const p of this.pending.values()) p.reject(new Error(`worker error: ${event.message}`));
      this.pending.clear();
    };
  }
  call<T = unknown>(req: WorkerRequest): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, req });
    });
  }
  terminate(): void {
    this.worker.terminate();
  }
}

async function sqlContender(engine: SqlEngine, name: string, synchronous: 'full' | 'normal'): Promise<Contender> {
  const w = new SqlWorker();
  let config: string;
  try {
    config = await w.call<string>({ op: 'open', engine, name, synchronous });
  } catch (e) {
    w.terminate();
    throw e;
  }
  return {
    config,
    transfer: (from, to, amount) => w.call({ op: 'transfer', from, to, amount }),
    balance: (ref) => w.call<number>({ op: 'balance', ref }),
    fill: (from, to) => w.call({ op: 'exec', sql: fillSql(from, to) }),
    importRows: (k, rows) => w.call({ op: 'import', opId: importOpId(k), json: JSON.stringify(importRows(k, rows)) }),
    totals: () => w.call<number>({ op: 'totals' }),
    last50: (account) => w.call<number>({ op: 'last50', account }),
    size: () => w.call<number>({ op: 'size' }),
    async close() {
      await w.call({ op: 'close' }).catch(() => undefined);
      w.terminate();
    },
  };
}

function open(contender: ContenderName, name: string): Promise<Contender> {
  switch (contender) {
    case 'pacioli-strict':
      return pacioli(name, 'strict');
    case 'pacioli-relaxed':
      return pacioli(name, 'relaxed');
    case 'dexie-strict':
      return dexie(name, 'strict');
    case 'dexie-relaxed':
      return dexie(name, 'relaxed');
    case 'wa-batch-strict':
      return sqlContender('wa-batch', name, 'full');
    case 'wa-batch-relaxed':
      return sqlContender('wa-batch', name, 'normal');
    case 'wa-mirror':
      return sqlContender('wa-mirror', name, 'full');
    case 'sqljs-naive':
      return sqlContender('sqljs-naive', name, 'full');
    case 'sqljs-memory':
      return sqlContender('sqljs-memory', name, 'full');
  }
}

// ---------------------------------------------------------------- workloads

const opened = new Map<string, Contender>();

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function memory(): Promise<{ bytes: number; source: string } | null> {
  const p = performance as Performance & {
    measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }>;
    memory?: { usedJSHeapSize: number };
  };
  if (typeof p.measureUserAgentSpecificMemory === 'function' && crossOriginIsolated) {
    try {
      const r = await Promise.race([
        p.measureUserAgentSpecificMemory(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 20_000)),
      ]);
      return { bytes: r.bytes, source: 'performance.measureUserAgentSpecificMemory() (page and its workers)' };
    } catch {
      /* fall through */
    }
  }
  if (p.memory) return { bytes: p.memory.usedJSHeapSize, source: 'performance.memory.usedJSHeapSize (page JS heap only, not workers)' };
  return null;
}

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

  async close(name: string): Promise<void> {
    const c = opened.get(name);
    opened.delete(name);
    await c?.close();
  },

  /** Deletes every IndexedDB database of the origin (between contenders). */
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
  },

  /** Writes `bytes` random-ish bytes under one key (the raw baseline for cold open). */
  async rawColdPrepare(bytes: number): Promise<void> {
    const data = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i += 65536) crypto.getRandomValues(data.subarray(i, Math.min(bytes, i + 65536)));
    await set('blob', data, createStore('bench-raw-cold', 'kv'));
  },

  /** Workloads 3 and 4: bulk imports into a fresh ledger, then the analytical reads. */
  async analytic(o: { contender: ContenderName; name: string; importRows: number; totalRows: number; reps: number }) {
    const c = await open(o.contender, o.name);
    opened.set(o.name, c);
    const imports: number[] = [];
    const k = Math.max(1, Math.round(o.totalRows / o.importRows));
    for (let i = 0; i < k; i++) imports.push(await timeIt(() => c.importRows(i, o.importRows)));
    await settle(c);
    const totals: number[] = [];
    const last: number[] = [];
    for (let i = 0; i < o.reps; i++) totals.push(await timeIt(() => c.totals()));
    const r = rng(7);
    for (let i = 0; i < o.reps * 5; i++) {
      const a = accountId(Math.floor(r() * PLAYERS));
      last.push(await timeIt(() => c.last50(a)));
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

  /** Workload 6: transfers among `players` overlapping players for `ms`; returns how many committed. */
  async contendRun(name: string, ms: number, seed: number, players: number): Promise<{ committed: number; failed: number; ms: number }> {
    const c = opened.get(name)!;
    const r = rng(seed);
    let committed = 0;
    let failed = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      try {
        await c.transfer(...pair(r, players), 1);
        committed++;
      } catch {
        failed++;
      }
    }
    return { committed, failed, ms: performance.now() - t0 };
  },
};

export type BenchApi = typeof api;

/** Cold open: this page load was navigated with ?cold=<contender>&name=<name>; time to the first answered query. */
async function coldOpen(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const which = params.get('cold');
  if (!which) return;
  try {
    let first: number;
    let close: () => Promise<void>;
    if (which === 'raw') {
      const data = await get<Uint8Array>('blob', createStore('bench-raw-cold', 'kv'));
      if (!data) throw new Error('no raw blob');
      first = performance.now();
      close = async () => undefined;
    } else {
      const c = await open(which as ContenderName, params.get('name')!);
      await c.balance(playerRef(1));
      first = performance.now();
      close = () => c.close();
    }
    await close();
    window.benchCold = { ms: first };
  } catch (e) {
    window.benchCold = { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

declare global {
  interface Window {
    bench: BenchApi;
    benchCold?: { ms?: number; error?: string };
  }
}

window.bench = api;
void coldOpen().finally(() => document.body.setAttribute('data-ready', '1'));
