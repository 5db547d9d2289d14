/**
 * Values across the sql.js boundary, exactly: 64-bit integers are never
 * rounded on the way in or out, blobs stay bytes, and anything SQLite could
 * only store by guessing is refused.
 */
import type { BindParams, SqlValue as SqlJsValue, Statement } from 'sql.js';
import { StoreError } from '../../shared/errors';
import type { SqlParams, SqlValue } from '../../shared/types';
import { parameters, type Token } from './lexer';
import { getBigIntRow } from './sqljs';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** A statement ready for sql.js: SQL (possibly rewritten) and positional values. */
export interface Bound {
  sql: string;
  values: BindParams | undefined;
}

/**
 * Validates `params` against the statement's parameter tokens and returns
 * positional values. sql.js binds a `bigint` as TEXT and an integer beyond
 * 32 bits as a double; such a parameter is therefore bound as its decimal
 * text and its token rewritten to `CAST(? AS INTEGER)`, which SQLite turns
 * into an exact 64-bit INTEGER wherever the parameter is used.
 */
export function bindParams(sql: string, tokens: readonly Token[], params: SqlParams | undefined): Bound {
  const slots = parameters(tokens);
  if (params === undefined || params === null) {
    if (slots.length > 0) throw new StoreError('INVALID_ARGUMENT', `the statement has ${slots.length} parameter(s) but none were given`);
    return { sql, values: undefined };
  }
  const count = slots.reduce((max, s) => Math.max(max, s.index), 0);
  const values: SqlJsValue[] = new Array<SqlJsValue>(count).fill(null);
  const cast = new Set<number>();
  if (Array.isArray(params)) {
    if (params.length !== count) {
      throw new StoreError('INVALID_ARGUMENT', `the statement takes ${count} parameter(s), ${params.length} given`);
    }
    params.forEach((value, i) => {
      values[i] = toSqlJs(value, `parameter ${i + 1}`, i + 1, cast);
    });
  } else if (typeof params === 'object') {
    const record = params as Readonly<Record<string, unknown>>;
    for (const slot of slots) {
      const label = slot.name === undefined ? `parameter ${slot.index}` : `parameter :${slot.name}`;
      if (slot.name === undefined) throw new StoreError('INVALID_ARGUMENT', `${label} is positional; pass an array`);
      const raw = sql.slice(slot.start, slot.end);
      const value = raw in record ? record[raw] : record[slot.name];
      if (value === undefined) throw new StoreError('INVALID_ARGUMENT', `${label} is missing`);
      values[slot.index - 1] = toSqlJs(value, label, slot.index, cast);
    }
  } else {
    throw new StoreError('INVALID_ARGUMENT', 'params must be an array or an object');
  }
  if (cast.size === 0) return { sql, values };
  let out = '';
  let at = 0;
  for (const slot of slots) {
    if (!cast.has(slot.index)) continue;
    out += `${sql.slice(at, slot.start)}CAST(${sql.slice(slot.start, slot.end)} AS INTEGER)`;
    at = slot.end;
  }
  return { sql: out + sql.slice(at), values };
}

function toSqlJs(value: unknown, label: string, index: number, cast: Set<number>): SqlJsValue {
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
      return value ? 1 : 0;
    case 'number':
      if (Number.isNaN(value)) throw new StoreError('INVALID_ARGUMENT', `${label} is NaN`);
      if (Number.isSafeInteger(value) && (value < INT32_MIN || value > INT32_MAX)) {
        cast.add(index);
        return String(value);
      }
      return value;
    case 'bigint':
      if (value < INT64_MIN || value > INT64_MAX) {
        throw new StoreError('INVALID_ARGUMENT', `${label} (${value}) does not fit a 64-bit integer`);
      }
      if (value >= INT32_MIN && value <= INT32_MAX) return Number(value);
      cast.add(index);
      return value.toString();
    case 'object':
      if (value === null) return null;
      if (value instanceof Uint8Array) return value;
      if (value instanceof ArrayBuffer) return new Uint8Array(value);
      if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      break;
    default:
      break;
  }
  throw new StoreError('INVALID_ARGUMENT', `${label} has a type SQLite cannot store (${describe(value)})`);
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'object') return value?.constructor?.name ?? 'object';
  return typeof value;
}

/**
 * Reads the current row. sql.js hands every INTEGER out as a double unless
 * asked for BigInts (which it makes from text, slowly); so the row is read as
 * numbers and read again with BigInts only when an integer was out of the
 * safe range. Safe integers stay numbers.
 */
export function readRow(stmt: Statement): SqlValue[] {
  const row = stmt.get() as SqlValue[];
  for (const v of row) {
    if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) {
      const exact = getBigIntRow(stmt) as SqlValue[];
      return exact.map((x) => (typeof x === 'bigint' && x >= -9007199254740991n && x <= 9007199254740991n ? Number(x) : x));
    }
  }
  return row;
}

/** Makes a `bigint` a `number` when that loses nothing. */
export function normalizeInt(value: bigint): number | bigint {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}
