/**
 * Opening one sql.js database the way the engine needs it: the store's
 * PRAGMAs, and page 1 read so a garbled image fails at once.
 */
import type { Database } from 'sql.js';
import { fromSqlite } from '../../shared/errors';
import type { SqlJs } from './sqljs';

/**
 * SQLite's page cache, in KiB. The file lives in Emscripten's MEMFS, so a
 * page-cache miss is a call out to JavaScript and a 4 KiB copy: with
 * sql.js's default of 2 MB, per-player totals over 200 000 entries (an index
 * scan with a table lookup per row) took about 140 ms, and 65-70 ms once the
 * pages they touch fit. The official SQLite WASM build defaults to 16 MB. A
 * cached page is a second copy of a page the file already holds in memory,
 * and SQLite allocates cache pages only as it reads them, so this adds at
 * most the smaller of the file and 8 MB per open store: a small store's
 * cache may mirror all of it, a large one's grows by a bounded 8 MB.
 */
export const CACHE_KIB = 8192;

/** Opens `image` (or a new, empty database) with the store's settings; a garbled image fails here as SQLite's error. */
export function openDatabase(sql: SqlJs, image: Uint8Array | undefined): Database {
  const db = new sql.Database(image);
  try {
    // A new database frees deleted pages on demand (export), so a snapshot shrinks when data is
    // deleted: a store that filled its quota can make room again. It moves pages, never rowids.
    if (!image) db.exec('PRAGMA auto_vacuum = INCREMENTAL');
    // MEMORY journal: the file lives in memory and IndexedDB is the durable copy,
    // so a rollback journal on MEMFS would only cost time (about 25x per write).
    // EXCLUSIVE locking: the file is this connection's alone. In NORMAL mode SQLite
    // takes and drops its file lock around every read and transaction, and each time
    // checks for a hot journal and re-reads the change counter: calls out to MEMFS in
    // JavaScript, a missing-file lookup among them. In Node (sql.js 1.16) a point read
    // took 10.5 µs that way and 2.3 µs without; a small ledger's transfer (SQL, capture,
    // encode, COMMIT) about 90 and 76 µs.
    db.exec(`PRAGMA journal_mode=MEMORY; PRAGMA locking_mode=EXCLUSIVE; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA trusted_schema=OFF; PRAGMA cache_size=-${CACHE_KIB}`);
    db.exec('SELECT count(*) FROM sqlite_schema'); // reads page 1: a garbled image fails here, not later
  } catch (error) {
    db.close();
    throw fromSqlite(error);
  }
  return db;
}
