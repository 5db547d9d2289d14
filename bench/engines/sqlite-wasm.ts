/**
 * The official SQLite WASM build (@sqlite.org/sqlite-wasm) in the SQL
 * worker, on its `opfs-sahpool` VFS: a pool of OPFS sync access handles the
 * VFS opens once and keeps, so reads and writes are synchronous calls, and
 * xSync is FileSystemSyncAccessHandle flush(). One connection per pool (the
 * handles are exclusive), which is why it needs a worker of its own and
 * cannot be opened by a second tab at once.
 */
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
import { SQL } from '../workload';
import { SQLITE, type Db, type Row } from './types';

type Stmt = { bind(b: unknown[]): unknown; step(): boolean; get(into: unknown[]): unknown[]; reset(clear?: boolean): unknown; finalize(): unknown };

export async function openSqliteWasm(name: string): Promise<Db> {
  const sqlite3 = await sqlite3InitModule();
  const pool = await sqlite3.installOpfsSAHPoolVfs({ name: 'bench-sahpool', directory: '.bench-sahpool' });
  const db = new pool.OpfsSAHPoolDb(`/${name}.db`);
  const cache = new Map<string, Stmt>();
  const self: Db = {
    dialect: SQLITE,
    config: '',
    async exec(sql) {
      db.exec(sql);
    },
    async all(sql, params) {
      let stmt = cache.get(sql);
      if (!stmt) cache.set(sql, (stmt = db.prepare(sql) as unknown as Stmt));
      if (params.length) stmt.bind(params);
      const rows: Row[] = [];
      try {
        while (stmt.step()) rows.push(stmt.get([]));
      } finally {
        stmt.reset(true);
      }
      return rows;
    },
    async afterCommit() {},
    async size() {
      return Number((await self.all(SQL.size, []))[0]![0]);
    },
    async close() {
      for (const s of cache.values()) s.finalize();
      db.close();
      pool.pauseVfs(); // lets go of the pool's access handles before the worker ends
    },
  };
  // synchronous=FULL: the journal and the database are flushed at every commit (SQLite's default for a
  // rollback journal is FULL already; said explicitly). The pool's handles are exclusive to this worker.
  await self.exec('PRAGMA synchronous = FULL');
  self.config = `@sqlite.org/sqlite-wasm ${sqlite3.version.libVersion}, installOpfsSAHPoolVfs() + OpfsSAHPoolDb in a dedicated worker, PRAGMA synchronous=FULL, journal_mode=delete (the default)`;
  return self;
}
