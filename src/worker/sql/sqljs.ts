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

/**
 * sql.js copies a database image into its in-memory file with `slice()`
 * (Emscripten's MEMFS, on the first write to an empty file). A view whose
 * `slice` is a `subarray` lets it keep the memory instead: at 50 MB that
 * copy cost 130–180 ms on the 2-core machine (fresh pages are slow to
 * fault in) and doubled the peak memory of a cold open. Should a later
 * sql.js copy by other means, this merely stops saving anything.
 */
class AdoptedImage extends Uint8Array<ArrayBuffer> {
  override slice(start?: number, end?: number): Uint8Array<ArrayBuffer> {
    return this.subarray(start, end);
  }
}

export function adopted(image: Uint8Array): Uint8Array {
  // Images read from IndexedDB never sit on a SharedArrayBuffer; one that did is simply copied.
  return image.buffer instanceof ArrayBuffer ? new AdoptedImage(image.buffer, image.byteOffset, image.byteLength) : image;
}
