/**
 * The contenders of the benchmark: Pacioli, Dexie, and the SQL engines in
 * a worker of their own (bench/sql.worker.ts). Each implements the same
 * ledger workloads (workload.ts), in its documented best configuration.
 */
import Dexie, { type Table } from 'dexie';
import { openLedger, type Ledger } from '../src/index';
import { FILL_TIME, OPENING_BALANCE, PLAYERS, SQL, accountId, fillOp, fillSql, importOpId, importRows, playerRef, playersSql, randomId, type SqlEngine, type WorkerRequest } from './workload';
import type { ContenderName } from './meta';
import { stagesWasmUrl, stagesWorker } from './probes';

export { CONTENDERS, type ContenderName } from './meta';

export interface Contender {
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

// ---------------------------------------------------------------- Pacioli

async function pacioli(name: string, durability: 'strict' | 'relaxed', stages = false, log: 'indexeddb' | 'opfs' = 'indexeddb'): Promise<Contender & { ledger: Ledger }> {
  // `stages`: the same worker, started under the name that turns its stage marks on (probes.ts).
  const ledger = await openLedger({ name, durability, log, txTimeoutMs: 120_000, ...(stages ? { worker: stagesWorker, wasmUrl: stagesWasmUrl } : {}) });
  const { store } = ledger;
  const [{ n }] = (await store.query<{ n: number }>(`SELECT count(*) AS n FROM account WHERE kind = 'player'`)) as [{ n: number }];
  if (n === 0) await store.run(playersSql());
  return {
    ledger,
    config: `openLedger({ durability: '${durability}'${log === 'opfs' ? ", log: 'opfs'" : ''} }) (defaults otherwise: compactAfterBytes 4 MB); transfer = ledger.transfer, one RPC and one transaction`,
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
  // The SQL schema's indexes: account by ref, operation by id, entries by (account, id) and by operation. Their
  // amounts, which the SQL indexes also carry, would not help here: IndexedDB reads an index's keys one cursor step
  // each, slower than the getAll chunks `totals` reads below.
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

export class SqlWorker {
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
    fill: (from, to) => w.call({ op: 'exec', from, to }),
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

/** Opens `contender` on store `name`; `stages` (Pacioli only) turns on its worker's stage marks. */
export function open(contender: ContenderName, name: string, stages = false): Promise<Contender> {
  switch (contender) {
    case 'pacioli-strict':
      return pacioli(name, 'strict', stages);
    case 'pacioli-relaxed':
      return pacioli(name, 'relaxed', stages);
    case 'pacioli-opfs':
      return pacioli(name, 'strict', stages, 'opfs');
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
    case 'wa-opfs':
      return sqlContender('wa-opfs', name, 'full');
    case 'sqlite-wasm-opfs':
      return sqlContender('sqlite-wasm', name, 'full');
    case 'pglite-idb':
      return sqlContender('pglite', name, 'full');
    case 'sqljs-naive':
      return sqlContender('sqljs-naive', name, 'full');
    case 'sqljs-memory':
      return sqlContender('sqljs-memory', name, 'full');
  }
}
