/**
 * One module worker per SQL contender other than Pacioli: wa-sqlite on its
 * IndexedDB and OPFS VFSs, the official SQLite WASM build on opfs-sahpool,
 * PGlite on idb://, sql.js persisted the naive way and in memory. Each
 * engine's module (engines/) is loaded on demand. A tiny postMessage
 * protocol: one request at a time, answered as { id, ok, value } or
 * { id, ok: false, error }.
 */
import { randomId, type SqlEngine, type WorkerRequest } from './workload';
import type { Db } from './engines/types';

async function openEngine(engine: SqlEngine, name: string, synchronous: 'full' | 'normal'): Promise<Db> {
  switch (engine) {
    case 'wa-batch':
    case 'wa-mirror':
    case 'wa-opfs':
      return (await import('./engines/wa')).openWa(engine, name, synchronous);
    case 'sqlite-wasm':
      return (await import('./engines/sqlite-wasm')).openSqliteWasm(name);
    case 'pglite':
      return (await import('./engines/pglite')).openPglite(name);
    case 'sqljs-naive':
    case 'sqljs-memory':
      return (await import('./engines/sqljs')).openSqlJs(engine, name);
  }
}

/** Runs `fn` as one transaction: the engine's own call where it has one, else BEGIN … COMMIT. */
async function inTransaction(d: Db, fn: () => Promise<void>): Promise<void> {
  if (d.transaction) return d.transaction(fn);
  await d.exec('BEGIN');
  try {
    await fn();
    await d.exec('COMMIT');
  } catch (e) {
    await d.exec('ROLLBACK');
    throw e;
  }
}

let db: Db | undefined;
/** The raw OPFS baseline: one small write at the end of a file and a flush, on a sync access handle. */
let raw: FileSystemSyncAccessHandle | undefined;
const RAW_RECORD = new Uint8Array(64);

async function handle(req: WorkerRequest): Promise<unknown> {
  if (req.op === 'ping') return null;
  if (req.op === 'opfs-open') {
    const file = await (await navigator.storage.getDirectory()).getFileHandle('bench-raw-opfs', { create: true });
    raw = await file.createSyncAccessHandle();
    return null;
  }
  if (req.op === 'opfs-put') {
    raw!.write(crypto.getRandomValues(RAW_RECORD), { at: raw!.getSize() });
    raw!.flush();
    return null;
  }
  if (req.op === 'open') {
    db = await openEngine(req.engine, req.name, req.synchronous);
    if (req.engine !== 'pglite') await db.exec('PRAGMA foreign_keys = ON');
    const fresh = Number((await db.all(db.dialect.exists, []))[0]![0]) === 0;
    if (fresh) {
      await db.exec(`BEGIN; ${db.dialect.schema}; ${db.dialect.players} COMMIT;`);
      await db.afterCommit();
    }
    return db.config;
  }
  if (!db) throw new Error('not open');
  const d = db;
  const q = d.dialect.sql;
  switch (req.op) {
    case 'exec':
      await d.exec(`BEGIN; ${d.dialect.fill(req.from, req.to)} COMMIT;`);
      await d.afterCommit();
      return null;
    case 'transfer':
      await inTransaction(d, async () => {
        const payer = (await d.all(q.player, [req.from]))[0];
        const payee = (await d.all(q.player, [req.to]))[0];
        if (!payer || !payee) throw new Error('no such player');
        const pb = Number(payer[1]);
        if (pb < req.amount) throw new Error('insufficient funds');
        const op = randomId();
        await d.all(q.operation, [op, JSON.stringify(['transfer', req.from, req.to, String(req.amount)])]);
        await d.all(q.entry, [op, payer[0], -req.amount]);
        await d.all(q.setBalance, [pb - req.amount, payer[0]]);
        await d.all(q.entry, [op, payee[0], req.amount]);
        await d.all(q.setBalance, [Number(payee[1]) + req.amount, payee[0]]);
      });
      await d.afterCommit();
      return null;
    case 'balance':
      return Number((await d.all(q.balance, [req.ref]))[0]![0]);
    case 'import':
      await inTransaction(d, async () => {
        await d.all(q.importOp, [req.opId]);
        await d.all(q.importEntries, [req.opId, req.json]);
      });
      await d.afterCommit();
      return null;
    case 'totals':
      return (await d.all(q.totals, [])).length;
    case 'last50':
      return (await d.all(q.last50, [req.account])).length;
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
