/**
 * The change log's binary format: what one transaction committed, as row
 * images, not as SQL, so `random()` or `'now'` come back exactly as they
 * were. An entry ends with a CRC-32 of everything before it.
 *
 *   "PCL1" seq:varint tableCount:varint
 *     per table: name:str colCount:varint col:str… deleteCount:varint rowid:int…
 *                upsertCount:varint (rowid:int value…)…
 *   crc32:u32le
 *
 * A value is a tag byte then its payload: 0 NULL · 1 integer (zigzag varint,
 * within ±2^53) · 2 integer (8 bytes, two's complement) · 3 REAL (8 bytes)
 * · 4 TEXT (varint length + UTF-8) · 5 BLOB (varint length + bytes).
 */
import { StoreError } from '../../shared/errors';
import { stage } from '../../shared/stages';
import type { SqlValue } from '../../shared/types';

/** A row image: its rowid and its stored values, with REAL told apart from INTEGER. */
export interface RowImage {
  rowid: number | bigint;
  values: TypedValue[];
}

/** A stored value and its SQLite storage class. */
export type TypedValue =
  | { type: 'null' }
  | { type: 'integer'; value: number | bigint }
  | { type: 'real'; value: number }
  /** TEXT as the bytes SQLite stores (UTF-8), kept exactly: a JavaScript string would replace invalid sequences. */
  | { type: 'text'; value: Uint8Array }
  | { type: 'blob'; value: Uint8Array };

/** The changes of one transaction to one table. */
export interface TableChanges {
  table: string;
  columns: string[];
  deletes: (number | bigint)[];
  upserts: RowImage[];
}

/** One decoded log entry. */
export interface ChangeEntry {
  seq: number;
  tables: TableChanges[];
}

const MAGIC = [0x50, 0x43, 0x4c, 0x31]; // "PCL1"
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });
/**
 * Table and column names, encoded once: an entry names its tables and
 * every column of each (a ledger transfer: 3 tables, 17 names), and a
 * fresh TextEncoder.encode per name was the largest part of encoding it.
 */
const names = new Map<string, Uint8Array>();
const MAX_NAMES = 4096;

class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  byte(b: number): void {
    this.room(1);
    this.buf[this.length++] = b;
  }
  /** An unsigned varint of up to 2^53. */
  varint(n: number): void {
    this.room(8);
    while (n >= 0x80) {
      this.buf[this.length++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.length++] = n;
  }
  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  /** A table or column name. */
  name(s: string): void {
    let bytes = names.get(s);
    if (!bytes) {
      if (names.size >= MAX_NAMES) names.clear();
      names.set(s, (bytes = encoder.encode(s)));
    }
    this.bytes(bytes);
  }
  int(v: number | bigint): void {
    // Zigzag doubles the magnitude: only below 2^52 does it stay exact in a double.
    if (typeof v === 'number' && Math.abs(v) < 2 ** 52) {
      this.byte(1);
      this.varint(v < 0 ? -2 * v - 1 : 2 * v); // zigzag keeps small negatives small
    } else {
      this.byte(2);
      this.room(8);
      this.view.setBigInt64(this.length, BigInt(v), true);
      this.length += 8;
    }
  }
  real(v: number): void {
    this.byte(3);
    this.room(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }
  finish(): Uint8Array {
    stage('commit:encoded');
    this.room(4);
    this.view.setUint32(this.length, crc32(this.buf.subarray(0, this.length)), true);
    this.length += 4;
    return this.buf.slice(0, this.length);
  }
}

/** Encodes one transaction's changes as a log entry. */
export function encodeEntry(entry: ChangeEntry): Uint8Array {
  const w = new Writer();
  for (const b of MAGIC) w.byte(b);
  w.varint(entry.seq);
  w.varint(entry.tables.length);
  for (const t of entry.tables) {
    w.name(t.table);
    w.varint(t.columns.length);
    for (const c of t.columns) w.name(c);
    w.varint(t.deletes.length);
    for (const rowid of t.deletes) w.int(rowid);
    w.varint(t.upserts.length);
    for (const row of t.upserts) {
      w.int(row.rowid);
      for (const v of row.values) {
        if (v.type === 'null') w.byte(0);
        else if (v.type === 'integer') w.int(v.value);
        else if (v.type === 'real') w.real(v.value);
        else if (v.type === 'text') (w.byte(4), w.bytes(v.value));
        else (w.byte(5), w.bytes(v.value));
      }
    }
  }
  return w.finish();
}

/**
 * Decodes and verifies a log entry; a damaged one is `CORRUPT`, naming
 * `label` (e.g. "log entry 12") so a person knows what is broken.
 */
export function decodeEntry(bytes: Uint8Array, label: string): ChangeEntry {
  if (!(bytes instanceof Uint8Array) || bytes.length < MAGIC.length + 6) throw corrupt(label, 'it is truncated or not an entry');
  const body = bytes.subarray(0, bytes.length - 4);
  const stored = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true);
  if (crc32(body) !== stored) throw corrupt(label, 'its CRC-32 does not match its content');
  const r = new Reader(body, label);
  const seq = r.header();
  const tables: TableChanges[] = [];
  for (let t = r.varint(); t > 0; t--) {
    const table = r.str();
    const columns: string[] = [];
    for (let c = r.varint(); c > 0; c--) columns.push(r.str());
    const deletes: (number | bigint)[] = [];
    for (let d = r.varint(); d > 0; d--) deletes.push(r.intValue());
    const upserts: RowImage[] = [];
    for (let u = r.varint(); u > 0; u--) {
      const rowid = r.intValue();
      const values: TypedValue[] = [];
      for (let c = 0; c < columns.length; c++) values.push(r.value());
      upserts.push({ rowid, values });
    }
    tables.push({ table, columns, deletes, upserts });
  }
  if (!r.done()) throw corrupt(label, 'it has trailing bytes');
  return { seq, tables };
}

class Reader {
  private at = 0;
  private readonly view: DataView;
  constructor(
    private readonly buf: Uint8Array,
    private readonly label: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  private need(n: number): void {
    if (this.at + n > this.buf.length) throw corrupt(this.label, 'it ends early');
  }
  header(): number {
    this.need(MAGIC.length);
    if (MAGIC.some((b, i) => this.buf[i] !== b)) throw corrupt(this.label, 'it does not start with the entry marker');
    this.at = MAGIC.length;
    return this.varint();
  }
  varint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      this.need(1);
      const b = this.buf[this.at++]!;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
      if (scale > 2 ** 56) throw corrupt(this.label, 'a number in it is too long');
    }
  }
  bytes(): Uint8Array {
    const n = this.varint();
    this.need(n);
    const out = this.buf.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }
  str(): string {
    return decoder.decode(this.bytes());
  }
  intValue(): number | bigint {
    const v = this.value();
    if (v.type !== 'integer') throw corrupt(this.label, 'a rowid in it is not an integer');
    return v.value;
  }
  value(): TypedValue {
    this.need(1);
    const tag = this.buf[this.at++];
    switch (tag) {
      case 0:
        return { type: 'null' };
      case 1: {
        const z = this.varint();
        return { type: 'integer', value: z % 2 === 1 ? -(z + 1) / 2 : z / 2 };
      }
      case 2: {
        this.need(8);
        this.at += 8;
        const v = this.view.getBigInt64(this.at - 8, true);
        return { type: 'integer', value: v >= -(2n ** 53n) + 1n && v <= 2n ** 53n - 1n ? Number(v) : v };
      }
      case 3:
        this.need(8);
        this.at += 8;
        return { type: 'real', value: this.view.getFloat64(this.at - 8, true) };
      case 4:
        return { type: 'text', value: this.bytes() };
      case 5:
        return { type: 'blob', value: this.bytes() };
      default:
        throw corrupt(this.label, `it holds an unknown value tag ${String(tag)}`);
    }
  }
  done(): boolean {
    return this.at === this.buf.length;
  }
}

function corrupt(label: string, why: string): StoreError {
  return new StoreError('CORRUPT', `${label} is damaged: ${why}`);
}

/** Plain value of a typed value, as a query returns it. */
export function plainValue(v: TypedValue): SqlValue {
  return v.type === 'null' ? null : v.value;
}

let table: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3), for detecting torn or garbled entries; not a defence against tampering. */
export function crc32(bytes: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
