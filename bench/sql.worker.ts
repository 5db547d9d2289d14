/**
 * One module worker per SQL contender other than Pacioli: wa-sqlite on its
 * IndexedDB VFSs, sql.js persisted the naive way (whole export() after every
 * commit), and sql.js in memory. A tiny postMessage protocol: one request at
 * a time, answered as { id, ok, value } or { id, ok: false, error }.
 */
import * as SQLite from '@journeyapps/wa-sqlite';
import initSqlJs, { type Database } from 'sql.js';
import sqlWasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';
import { createStore, get, set, type UseStore } from 'idb-keyval';
import { SCHEMA_SQL, SQL, playersSql, randomId, type SqlEngine, type WorkerRequest } from './workload';

type Row = unknown[];
interface Db {
  exec(sql: string): Promise<void>;
  all(sql: string, params: unknown[]): Promise<Row[]>;
  /** Called after each commit: the naive contender writes its whole image here. */
  afterCommit(): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
  config: string;
}

async function openWa(engine: 'wa-batch' | 'wa-mirror', name: string, synchronous: 'full' | 'normal'): Promise<Db> {
  const { default: factory } = await import('@journeyapps/wa-sqlite/dist/wa-sqlite-async.mjs');
  const module = await factory();
  const sqlite3 = SQLite.Factory(module);
  type Create = { create(name: string, module: unknown, options?: Record<string, unknown>): Promise<unknown> };
  const vfsClass: Create =
    engine === 'wa-batch'
      ? ((await import('@journeyapps/wa-sqlite/src/examples/IDBBatchAtomicVFS.js')).IDBBatchAtomicVFS as unknown as Create)
      : (await import('@journeyapps/wa-sqlite/src/examples/IDBMirrorVFS.js')).IDBMirrorVFS;
  const vfs = await vfsClass.create(name, module);
  sqlite3.vfs_register(vfs as never, true);
  const db = await sqlite3.open_v2('bench.db');
  const cache = new Map<string, number>();
  const prepare = async (sql: string): Promise<number> => {
    let stmt = cache.get(sql);
    if (stmt === undefined) {
      for await (const s of sqlite3.statements(db, sql, { unscoped: true })) {
        stmt = s;
        break;
      }
      if (stmt === undefined) throw new Error(`no statement in ${sql}`);
      cache.set(sql, stmt);
    }
    return stmt;
  };
  const self: Db = {
    config: '',
    async exec(sql) {
      await sqlite3.exec(db, sql);
    },
    async all(sql, params) {
      const stmt = await prepare(sql);
      sqlite3.bind_collection(stmt, params as never);
      const rows: Row[] = [];
      try {
        while ((await sqlite3.step(stmt)) === SQLite.SQLITE_ROW) rows.push(sqlite3.row(stmt));
      } finally {
        await sqlite3.reset(stmt);
      }
      return rows;
    },
    async afterCommit() {},
    async size() {
      return Number((await self.all(SQL.size, []))[0]![0]);
    },
    async close() {
      for (const stmt of cache.values()) await sqlite3.finalize(stmt);
      await sqlite3.close(db);
    },
  };
  // The documented knobs: synchronous=full is durable (IDBBatchAtomicVFS then commits with
  // durability 'strict'), normal trades durability for speed; a page cache big enough to hold
  // a transaction's journal lets IDBBatchAtomicVFS use batch-atomic writes.
  await self.exec(`PRAGMA synchronous = ${synchronous}; PRAGMA cache_size = -16384;`);
  self.config = `wa-sqlite-async.mjs, ${engine === 'wa-batch' ? 'IDBBatchAtomicVFS' : 'IDBMirrorVFS'}, PRAGMA synchronous=${synchronous}, cache_size=-16384 (16 MB, holds a transaction's journal for batch-atomic commits)`;
  return self;
}

async function openSqlJs(engine: 'sqljs-naive' | 'sqljs-memory', name: string): Promise<Db> {
  const SQL_ = await initSqlJs({ locateFile: () => sqlWasmUrl });
  const store: UseStore | undefined = engine === 'sqljs-naive' ? createStore(name, 'kv') : undefined;
  const saved = store ? await get<Uint8Array>('db', store) : undefined;
  const db: Database = new SQL_.Database(saved);
  const cache = new Map<string, ReturnType<Database['prepare']>>();
  return {
    config:
      engine === 'sqljs-naive'
        ? 'sql.js 1.x in a worker; after every commit db.export() and idb-keyval set() of the whole image (idb-keyval opens default-durability transactions)'
        : 'sql.js 1.x in a worker, in memory, no persistence',
    async exec(sql) {
      db.exec(sql);
    },
    async all(sql, params) {
      let stmt = cache.get(sql);
      if (!stmt) cache.set(sql, (stmt = db.prepare(sql)));
      stmt.bind(params as never);
      const rows: Row[] = [];
      try {
        while (stmt.step()) rows.push(stmt.get());
      } finally {
        stmt.reset();
      }
      return rows;
    },
    async afterCommit() {
      if (store) await set('db', db.export(), store);
    },
    async size() {
      return Number(db.exec(SQL.size)[0]!.values[0]![0]);
    },
    async close() {
      for (const s of cache.values()) s.free();
      db.close();
    },
  };
}

let db: Db | undefined;

async function handle(req: WorkerRequest): Promise<unknown> {
  if (req.op === 'ping') return null;
  if (req.op === 'open') {
    const { engine, name, synchronous } = req as { engine: SqlEngine; name: string; synchronous: 'full' | 'normal' };
    db = engine === 'wa-batch' || engine === 'wa-mirror' ? await openWa(engine, name, synchronous) : await openSqlJs(engine, name);
    await db.exec('PRAGMA foreign_keys = ON');
    const fresh = (await db.all(`SELECT count(*) FROM sqlite_master WHERE name = 'account'`, []))[0]![0] === 0;
    if (fresh) {
      await db.exec(`BEGIN; ${SCHEMA_SQL}; ${playersSql()} COMMIT;`);
      await db.afterCommit();
    }
    return db.config;
  }
  if (!db) throw new Error('not open');
  const d = db;
  switch (req.op) {
    case 'exec':
      await d.exec(`BEGIN; ${req.sql} COMMIT;`);
      await d.afterCommit();
      return null;
    case 'transfer': {
      await d.exec('BEGIN');
      try {
        const payer = (await d.all(SQL.player, [req.from]))[0];
        const payee = (await d.all(SQL.player, [req.to]))[0];
        if (!payer || !payee) throw new Error('no such player');
        const pb = Number(payer[1]);
        if (pb < req.amount) throw new Error('insufficient funds');
        const op = randomId();
        await d.all(SQL.operation, [op, JSON.stringify(['transfer', req.from, req.to, String(req.amount)])]);
        await d.all(SQL.entry, [op, payer[0], -req.amount]);
        await d.all(SQL.setBalance, [pb - req.amount, payer[0]]);
        await d.all(SQL.entry, [op, payee[0], req.amount]);
        await d.all(SQL.setBalance, [Number(payee[1]) + req.amount, payee[0]]);
        await d.exec('COMMIT');
      } catch (e) {
        await d.exec('ROLLBACK');
        throw e;
      }
      await d.afterCommit();
      return null;
    }
    case 'balance':
      return Number((await d.all(SQL.balance, [req.ref]))[0]![0]);
    case 'import':
      await d.exec('BEGIN');
      await d.all(SQL.importOp, [req.opId]);
      await d.all(SQL.importEntries, [req.opId, req.json]);
      await d.exec('COMMIT');
      await d.afterCommit();
      return null;
    case 'totals':
      return (await d.all(SQL.totals, [])).length;
    case 'last50':
      return (await d.all(SQL.last50, [req.account])).length;
    case 'size':
      return d.size();
    case 'close':
      await d.close();
      db = undefined;
      return null;
  }
  return null;
}

let queue: Promise<unknown> = Promise.resolve();
self.onmessage = (event: MessageEvent<{ id: number; req: WorkerRequest }>) => {
  const { id, req } = event.data;
  if (req.op === 'ping') return postMessage({ id, ok: true, value: null });
  queue = queue.then(() =>
    handle(req).then(
      (value) => postMessage({ id, ok: true, value }),
      (error: unknown) => postMessage({ id, ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
    ),
  );
};
