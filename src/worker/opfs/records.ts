/**
 * The OPFS log's records: length:u32le, crc32:u32le, seq:f64le, then the
 * entry's bytes; the CRC covers seq and the entry.
 */
import { crc32 } from '../sql/codec';

/** A commit's log entry, as idb/layout.ts reads and writes them. */
export interface LogEntry {
  seq: number;
  bytes: Uint8Array;
}

/** Bytes before a record's entry. */
export const HEADER = 16;

/** The records of consecutive commits, as one buffer written at once. */
export function encode(entries: readonly LogEntry[]): Uint8Array {
  const buf = new Uint8Array(entries.reduce((n, e) => n + HEADER + e.bytes.length, 0));
  const view = new DataView(buf.buffer);
  let at = 0;
  for (const e of entries) {
    view.setUint32(at, e.bytes.length, true);
    view.setFloat64(at + 8, e.seq, true);
    buf.set(e.bytes, at + HEADER);
    view.setUint32(at + 4, crc32(buf.subarray(at + 8, at + HEADER + e.bytes.length)), true);
    at += HEADER + e.bytes.length;
  }
  return buf;
}

/**
 * Parses records from `bytes` (found at byte `offset` of the file), the
 * first being commit `seq`. It stops at the first record that is not whole
 * and valid: `torn` when that is the end of what a crash cut short, or
 * `damaged` when a valid record of the next commit follows it (a changed
 * byte in the middle: never taken for a torn end, which would drop commits
 * silently), or a sound record of another commit than the next. A damaged
 * last record cannot be told from a torn one.
 */
export function parse(bytes: Uint8Array, offset: number, seq: number): { entries: LogEntry[]; ends: number[]; end: number; torn: boolean; damaged: boolean } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // A whole record's entry length; undefined when it is not whole or its CRC fails; NaN when it is whole
  // and sound but of another commit than `seq` (no crash writes that: the log is not what it must be).
  const valid = (at: number, seq: number): number | undefined => {
    if (bytes.length - at < HEADER) return undefined;
    const length = view.getUint32(at, true);
    if (length > bytes.length - at - HEADER) return undefined;
    if (view.getUint32(at + 4, true) !== crc32(bytes.subarray(at + 8, at + HEADER + length))) return undefined;
    return view.getFloat64(at + 8, true) === seq ? length : NaN;
  };
  const entries: LogEntry[] = [];
  const ends: number[] = [];
  let at = 0;
  let length = valid(at, seq);
  for (; length !== undefined && !Number.isNaN(length); length = valid(at, seq)) {
    entries.push({ seq, bytes: bytes.slice(at + HEADER, at + HEADER + length) });
    at += HEADER + length;
    ends.push(offset + at);
    seq++;
  }
  const claimed = bytes.length - at >= HEADER ? view.getUint32(at, true) : Infinity;
  // A sound record after the one that failed: the bytes in between were changed, not cut short.
  const damaged = Number.isNaN(length) || (at + HEADER + claimed < bytes.length && valid(at + HEADER + claimed, seq + 1) !== undefined);
  return { entries, ends, end: offset + at, torn: at < bytes.length && !damaged, damaged };
}
