/**
 * A backup's content digest: every user table's rows and their storage
 * classes, hashed in one pass. It is what proves a restored file holds the
 * rows its manifest promises, independent of how SQLite laid out the pages.
 */
import type { Database } from 'sql.js';
import { sha256Hex } from '../../shared/hash';
import { quoteId } from '../sql/lexer';
import { getBigIntRow } from '../sql/sqljs';

/** The table that carries a backup's manifest inside the file. */
export const MANIFEST_TABLE = 'pacioli_backup_manifest';

/** User tables (not SQLite's, not the manifest), by name. */
export function userTables(db: Database): string[] {
  const rows = db.exec(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '${MANIFEST_TABLE}' ORDER BY name`);
  return (rows[0]?.values ?? []).map(([n]) => String(n));
}

/**
 * A digest of every user table's rows and their storage classes, in each
 * table's own order (rowid, or primary key for WITHOUT ROWID tables): the
 * order the file itself keeps, so a copy of the file digests the same.
 * Values go into one binary buffer (a type byte, then 8 bytes or a length
 * and the bytes): at 50 MB, sorting every table and JSON-encoding hex
 * strings, as this once did, took most of a 17 s export.
 */
export async function contentDigest(db: Database): Promise<{ sha256: string; rowCounts: Record<string, number> }> {
  const sink = new ByteSink();
  const rowCounts: Record<string, number> = {};
  for (const table of userTables(db)) {
    const cols = (db.exec(`SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid`, [table])[0]?.values ?? []).map(([n]) => quoteId(String(n)));
    const stmt = db.prepare(`SELECT ${cols.join(', ')} FROM main.${quoteId(table)}`);
    sink.text(table);
    let n = 0;
    try {
      while (stmt.step()) {
        for (const v of getBigIntRow(stmt)) sink.value(v);
        n++;
      }
    } finally {
      stmt.free();
    }
    sink.int(BigInt(n)); // ends the table: rows of one cannot pass for rows of the next
    rowCounts[table] = n;
  }
  return { sha256: await sha256Hex(sink.bytes()), rowCounts };
}

/** A growing buffer of typed values, for hashing. */
class ByteSink {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  private at = 0;
  private readonly encoder = new TextEncoder();

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.at + n));
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  private tag(t: number, n: number): void {
    this.room(1 + n);
    this.buf[this.at++] = t;
  }

  int(v: bigint): void {
    this.tag(1, 8);
    this.view.setBigInt64(this.at, v);
    this.at += 8;
  }

  text(v: string): void {
    this.tag(3, 4 + v.length * 3); // UTF-8 takes at most 3 bytes per UTF-16 unit
    const { written } = this.encoder.encodeInto(v, this.buf.subarray(this.at + 4));
    this.view.setUint32(this.at, written);
    this.at += 4 + written;
  }

  value(v: unknown): void {
    if (v === null || v === undefined) return this.tag(0, 0);
    if (typeof v === 'bigint') return this.int(v);
    if (typeof v === 'number') {
      this.tag(2, 8);
      this.view.setFloat64(this.at, v);
      this.at += 8;
      return;
    }
    if (typeof v === 'string') return this.text(v);
    const bytes = v as Uint8Array;
    this.tag(4, 4 + bytes.length);
    this.view.setUint32(this.at, bytes.length);
    this.buf.set(bytes, this.at + 4);
    this.at += 4 + bytes.length;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}
