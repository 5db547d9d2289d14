/**
 * The parts of the sql.js module the engine uses beyond its typed API. They
 * are real exports of sql.js's Emscripten module (`Module.addFunction`,
 * `Module._sqlite3_update_hook`), which its own `updateHook` is built on.
 */
import type { SqlJsStatic, SqlValue, Statement } from 'sql.js';

/** sql.js with the Emscripten exports the change capture needs. */
export interface SqlJs extends SqlJsStatic {
  addFunction(fn: (...args: never[]) => void, signature: string): number;
  removeFunction(ptr: number): void;
  UTF8ToString(ptr: number): string;
  _sqlite3_update_hook(db: number, callback: number, arg: number): number;
}

/** Checks that a loaded sql.js has what the engine needs, and narrows its type. */
export function asSqlJs(module: SqlJsStatic): SqlJs {
  const m = module as Partial<SqlJs>;
  if (typeof m.addFunction !== 'function' || typeof m._sqlite3_update_hook !== 'function' || typeof m.UTF8ToString !== 'function') {
    throw new Error('this sql.js build does not export addFunction/_sqlite3_update_hook; Pacioli needs sql.js >= 1.15.2');
  }
  return module as SqlJs;
}

/** The current row with INTEGERs as BigInt (exact); sql.js >= 1.8 takes `useBigInt`, its typings predate it. */
export function getBigIntRow(stmt: Statement): (SqlValue | bigint)[] {
  return (stmt.get as (params: null, config: { useBigInt: boolean }) => (SqlValue | bigint)[]).call(stmt, null, { useBigInt: true });
}
