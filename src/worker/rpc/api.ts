/**
 * The API the worker exposes to its page (the contract's `WorkerApi`):
 * argument checks and dispatch, nothing else. Reads run in the tab's turn
 * on this tab's copy; writes take the one commit path (commit.ts).
 */
import { ledgerOps, READ_OPS } from '../../ledger/operations';
import type { WorkerEvent, OpenRequest, LedgerArgs, LedgerOpName, LedgerResult, Rows, SyncArgs, SyncOpName, SyncResult, WorkerApi } from '../../shared/contract';
import { credentials, isSharedWrite, loadOpChecks, opChecksLoaded, record } from '../../sync/device';
import { READ_SYNC_OPS, syncOps } from '../../sync/device-ops';
import { StoreError } from '../../shared/errors';
import { stage } from '../../shared/stages';
import { packRows } from '../../shared/rows';
import type { RunResult, Sql, SqlParams } from '../../shared/types';
import type { PageRead } from '../../shared/layout-names';
import { Backups } from './backups';
import { currentVersion } from '../features/migrations';
import { createRecoveryApi } from '../features/recovery';
import { Session } from '../core/session';
import { underWriteLock } from '../core/store-lock';
import type { LoadSql } from '../sql/load-sql';
import { holdWhileAlive } from './boundary';
import type { ForwardedCall } from '../core/forwarding';

/** Builds the API the worker exposes; `loadSql` supplies sql.js (from the page's wasm URL, if it gave one, else the worker entry's). */
export function createWorkerApi(loadSql: LoadSql): WorkerApi {
  const session = new Session();
  const { commits, transactions } = session;
  /** Every call but a write runs in the tab's turn once earlier writes are durable: it never sees one that is not. */
  const turn = <T>(fn: () => T | Promise<T>) => commits.turn(fn);
  const backups = new Backups(session);

  /**
   * Whether the ledger is shared, asked of SQLite once (two queries, about
   * 0.1 ms: a third of a transfer's own SQL) and again only after something
   * touched `sync_state`: a sync step of this tab (at once, before it is
   * durable), or any change that names it or reloads everything.
   */
  let shared: boolean | undefined;
  const isShared = (sql: Sql) => (shared ??= credentials(sql) !== undefined);

  /**
   * A shared ledger's writes need the protocol's checks (zod, a module of its own: sync/device.ts). A ledger
   * that never syncs, and a store that is no ledger, never loads them: loaded at every open, they landed on
   * the worker's thread as the page's first calls came: at 1 MB the open's answer reached the page about 9 ms
   * later in Chromium and 15 ms later in Firefox. They are loaded as soon as the ledger is known to be shared (at the open, at a join
   * in this tab or another, at a restore), while the device is likely online, not at the first write, which
   * may be made offline. In the tab's turn: it reads durable state.
   */
  const loadChecksIfShared = () => {
    if (opChecksLoaded()) return;
    void turn(() => {
      if (isShared(session.ready().engine)) void loadOpChecks().catch(() => undefined);
    }).catch(() => undefined);
  };
  session.onChange = (notice) => {
    // An open's load reports 'all' too.
    if (notice.tables === 'all' || notice.tables.includes('sync_state')) {
      shared = undefined;
      loadChecksIfShared();
    }
  };

  /** A write outside a transaction: its own transaction, refused while this code is older than the schema. */
  const guarded =
    <T>(fn: (sql: Sql) => T) =>
    (sql: Sql) => (session.guardWrite(true), fn(sql));
  const write = <T>(fn: (sql: Sql) => T) => commits.autocommit(guarded(fn));

  /** Ledger operation `op`, its arguments checked: from this page, or from another tab that handed a write over. */
  const ledgerOp = (op: LedgerOpName, args: unknown): ((sql: Sql, ...a: readonly unknown[]) => unknown) => {
    const fn = (Object.hasOwn(ledgerOps, op) ? ledgerOps[op] : undefined) as ((sql: Sql, ...a: readonly unknown[]) => unknown) | undefined;
    if (!fn) throw new StoreError('INVALID_ARGUMENT', `no ledger operation ${String(op)}`);
    if (!Array.isArray(args)) throw new StoreError('INVALID_ARGUMENT', `the arguments of ${op} must be an array`);
    return fn;
  };

  /** What a statement or a ledger write runs, here or for another tab that handed it over (core/forwarding.ts). */
  const prepare = async (call: ForwardedCall): Promise<(sql: Sql) => unknown> => {
    if (call?.kind === 'run' && typeof call.sql === 'string') return (sql) => sql.run(call.sql, call.params);
    if (call?.kind !== 'ledger' || READ_OPS.has(call.op)) throw new StoreError('INVALID_ARGUMENT', 'not a write that can be handed over');
    const { op, args } = call;
    const fn = ledgerOp(op, args);
    // On a shared ledger a write also queues its op for the server, in the same transaction, checked
    // against the protocol (loaded since the open; a load that failed then is tried again here).
    if (shared !== false) await loadOpChecks().catch(() => undefined);
    return (sql) => (isSharedWrite(sql, op, isShared) ? record(sql, op, args as unknown[]) : fn(sql, ...args));
  };
  session.forwarding.prepare = prepare;
  // What decides a handed-over write's effect: tabs hand writes over only to tabs running the same.
  session.forwarding.code = [...Object.values(ledgerOps), record, isSharedWrite].map(String).join('\n');
  const handOver = async <T>(call: ForwardedCall): Promise<T> => (await session.forwarding.write(call, guarded(await prepare(call)))) as T;

  return {
    ...createRecoveryApi(loadSql, underWriteLock),

    async holdWhileAlive(name: string): Promise<void> {
      await holdWhileAlive(name);
    },

    async open(options: OpenRequest) {
      return session.open(options, loadSql); // a shared ledger's checks load after it (`loadChecksIfShared`)
    },

    async provideWasm(module: WebAssembly.Module | undefined): Promise<void> {
      session.provideWasm(module instanceof WebAssembly.Module ? module : undefined);
    },

    async provideState(read: PageRead | undefined): Promise<void> {
      // Checked as the worker checks its own reads (idb/layout.ts); only the shape is checked here.
      // Anything else means the worker reads itself, never that the store is damaged.
      const usable = typeof read === 'object' && read !== null && Array.isArray(read.keys) && Array.isArray(read.values) && read.keys.length === read.values.length;
      session.provideState(usable ? read : undefined);
    },

    async listen(callback: (event: WorkerEvent) => void): Promise<void> {
      session.listen(callback);
    },

    async setWatching(on: boolean): Promise<void> {
      session.watching = on === true;
    },

    async query(sql: string, params: SqlParams | undefined, txId?: number): Promise<Rows> {
      if (txId !== undefined) return transactions.engineOf(txId, sql).queryPacked(sql, params);
      const rows = await turn(() => {
        const { engine } = session.ready();
        return engine.readOnly(sql) ? engine.queryPacked(sql, params) : undefined;
      });
      return rows ?? packRows(await write((e) => e.query(sql, params)));
    },

    async run(sql: string, params: SqlParams | undefined, txId?: number): Promise<RunResult> {
      if (txId !== undefined) return transactions.engineOf(txId, sql).run(sql, params);
      if (typeof sql !== 'string') return write((e) => e.run(sql, params)); // refused there, as ever
      return handOver<RunResult>({ kind: 'run', sql, params });
    },

    async tablesRead(sql: string): Promise<string[] | undefined> {
      return turn(() => session.ready().engine.tablesRead(sql));
    },

    async begin(): Promise<number> {
      return transactions.begin();
    },

    async commit(txId: number): Promise<void> {
      return transactions.commit(txId);
    },

    async rollback(txId: number, timedOut = false): Promise<void> {
      transactions.rollback(txId, timedOut);
    },

    async migrate(): Promise<number> {
      return turn(() => (session.ready(), session.migrateLocked(session.known.at(-1)?.version ?? 0)));
    },

    async migrateTo(version: number): Promise<number> {
      if (!Number.isSafeInteger(version) || version < 0) throw new StoreError('INVALID_ARGUMENT', 'version must be a non-negative integer');
      return turn(() => (session.ready(), session.migrateLocked(version)));
    },

    async schemaVersion(): Promise<number> {
      return turn(() => currentVersion(session.ready().engine));
    },

    async ledger<K extends LedgerOpName>(op: K, args: LedgerArgs<K>): Promise<LedgerResult<K>> {
      const fn = ledgerOp(op, args);
      if (READ_OPS.has(op)) return turn(() => fn(session.ready().engine, ...args) as LedgerResult<K>);
      stage('commit:rpc-in');
      const result = await handOver<LedgerResult<K>>({ kind: 'ledger', op, args });
      stage('commit:rpc-out');
      return result;
    },

    async sync<K extends SyncOpName>(op: K, args: SyncArgs<K>): Promise<SyncResult<K>> {
      const fn = (Object.hasOwn(syncOps, op) ? syncOps[op] : undefined) as ((sql: Sql, ...a: unknown[]) => SyncResult<K>) | undefined;
      if (!fn) throw new StoreError('INVALID_ARGUMENT', `no sync operation ${String(op)}`);
      if (!Array.isArray(args)) throw new StoreError('INVALID_ARGUMENT', `the arguments of ${op} must be an array`);
      if (READ_SYNC_OPS.has(op)) return turn(() => fn(session.ready().engine, ...args));
      return write((sql) => {
        shared = undefined; // the step may join: later writes, even before it is durable, must ask again
        return fn(sql, ...args);
      });
    },

    async compact(): Promise<void> {
      session.ready();
      await commits.scheduleFold();
    },

    async stats() {
      return { ...session.ready().stats(session.parts().options.durability), ...session.forwarding.counts };
    },

    async close(): Promise<void> {
      await session.close();
    },

    exportBackup: () => backups.exportBackup(),
    inspectBackup: (data: Uint8Array) => backups.inspectBackup(data),
    restoreBackup: (data: Uint8Array) => backups.restoreBackup(data),
    checkpoints: () => backups.checkpoints(),
    restoreCheckpoint: (id: string) => backups.restoreCheckpoint(id),
  };
}
