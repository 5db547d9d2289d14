/**
 * wa-sqlite in the SQL worker: its IndexedDB VFSs (IDBBatchAtomicVFS,
 * IDBMirrorVFS, on the Asyncify build) and its OPFS VFS OPFSCoopSyncVFS (on
 * the synchronous build, which that VFS is written for: every method is
 * synchronous, on sync access handles; xSync is FileSystemSyncAccessHandle
 * flush()).
 */
import * as SQLite from '@journeyapps/wa-sqlite';
import { SQL } from '../workload';
import { SQLITE, type Db, type Row } from './types';

export type WaEngine = 'wa-batch' | 'wa-mirror' | 'wa-opfs';
type Create = { create(name: string, module: unknown, options?: Record<string, unknown>): Promise<unknown> };

async function load(engine: WaEngine): Promise<{ module: unknown; vfs: Create }> {
  if (engine === 'wa-opfs') {
    const { default: factory } = await import('@journeyapps/wa-sqlite/dist/wa-sqlite.mjs');
    const { OPFSCoopSyncVFS } = await import('@journeyapps/wa-sqlite/src/examples/OPFSCoopSyncVFS.js');
    return { module: await factory(), vfs: OPFSCoopSyncVFS };
  }
  const { default: factory } = await import('@journeyapps/wa-sqlite/dist/wa-sqlite-async.mjs');
  const vfs =
    engine === 'wa-batch'
      ? ((await import('@journeyapps/wa-sqlite/src/examples/IDBBatchAtomicVFS.js')).IDBBatchAtomicVFS as unknown as Create)
      : (await import('@journeyapps/wa-sqlite/src/examples/IDBMirrorVFS.js')).IDBMirrorVFS;
  return { module: await factory(), vfs };
}

export async function openWa(engine: WaEngine, name: string, synchronous: 'full' | 'normal'): Promise<Db> {
  const { module, vfs: vfsClass } = await load(engine);
  const sqlite3 = SQLite.Factory(module);
  const vfs = await vfsClass.create(engine === 'wa-opfs' ? 'bench-opfs' : name, module);
  sqlite3.vfs_register(vfs as never, true);
  // The IndexedDB VFSs keep one database per VFS name; OPFSCoopSyncVFS keeps files in the OPFS root.
  const db = await sqlite3.open_v2(engine === 'wa-opfs' ? `${name}.db` : 'bench.db');
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
    dialect: SQLITE,
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
  if (engine === 'wa-opfs') {
    // The VFS's documented use; synchronous=full syncs (flush()) the journal and the database at every commit.
    await self.exec(`PRAGMA synchronous = full`);
    self.config = 'wa-sqlite.mjs (synchronous build), OPFSCoopSyncVFS (OPFS sync access handles, several connections), PRAGMA synchronous=full, journal_mode=delete (the default)';
    return self;
  }
  // The documented knobs: synchronous=full is durable (IDBBatchAtomicVFS then commits with
  // durability 'strict'), normal trades durability for speed; a page cache big enough to hold
  // a transaction's journal lets IDBBatchAtomicVFS use batch-atomic writes.
  await self.exec(`PRAGMA synchronous = ${synchronous}; PRAGMA cache_size = -16384;`);
  self.config = `wa-sqlite-async.mjs, ${engine === 'wa-batch' ? 'IDBBatchAtomicVFS' : 'IDBMirrorVFS'}, PRAGMA synchronous=${synchronous}, cache_size=-16384 (16 MB, holds a transaction's journal for batch-atomic commits)`;
  return self;
}
