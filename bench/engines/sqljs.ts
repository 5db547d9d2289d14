/** sql.js in the SQL worker: persisted the naive way (whole export() after every commit), or in memory. */
import initSqlJs, { type Database } from 'sql.js';
import sqlWasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';
import { createStore, get, set, type UseStore } from 'idb-keyval';
import { SQL } from '../workload';
import { SQLITE, type Db, type Row } from './types';

export async function openSqlJs(engine: 'sqljs-naive' | 'sqljs-memory', name: string): Promise<Db> {
  const SQL_ = await initSqlJs({ locateFile: () => sqlWasmUrl });
  const store: UseStore | undefined = engine === 'sqljs-naive' ? createStore(name, 'kv') : undefined;
  const saved = store ? await get<Uint8Array>('db', store) : undefined;
  const db: Database = new SQL_.Database(saved);
  const cache = new Map<string, ReturnType<Database['prepare']>>();
  return {
    dialect: SQLITE,
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
