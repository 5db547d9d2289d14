/**
 * The error taxonomy. Every failure that reaches the page is a `StoreError`
 * with a stable `code`; the original SQLite or IndexedDB message is kept in
 * `message`, the original error (where there is one) in `cause`.
 */

/** Every code a `StoreError` can carry. */
export const ERROR_CODES = [
  'CONSTRAINT', // UNIQUE, PRIMARY KEY, FOREIGN KEY, CHECK, NOT NULL, STRICT datatype
  'SQL_ERROR', // syntax error, no such table, misuse, anything else SQLite rejects
  'INVALID_ARGUMENT', // a parameter or option the store cannot accept
  'NOT_FOUND', // a row, store or item that does not exist
  'QUOTA_EXCEEDED', // the browser refused to store more for this origin
  'PERSIST_FAILED', // IndexedDB failed for another reason; nothing was changed
  'TX_TIMEOUT', // a transaction stayed open past its timeout and was rolled back
  'CLOSED', // the store was closed
  'CORRUPT', // the persisted state is damaged (checksum, truncation, missing entry)
  'UNSUPPORTED', // the browser lacks something the store needs
  'BUSY', // another tab held the store's write lock too long
  'CONFLICT', // another tab committed first although this one held the lock (a frozen tab resumed): retry
  'INSUFFICIENT_FUNDS', // ledger: a debit beyond the balance
  'MIGRATION_FAILED',
  'MIGRATION_CHECKSUM',
  'SCHEMA_AHEAD',
  'INVALID_BACKUP',
  'STORAGE_LOST', // the browser threw away the store's IndexedDB data, though the store existed: see recovery
  'FORBIDDEN', // sync: this device's role does not allow it (only an owner's device mints tokens)
  'SYNC_FAILED', // sync: the server could not be reached, or refused the request (the message has its code and words)
  'INTERNAL', // a failure the store did not foresee (a bug): the message names it; please report it
] as const;

/** A `StoreError` code. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The one error type the store throws. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: ErrorCode;
  /** SQLite's primary result code name when SQLite raised it, e.g. `SQLITE_CONSTRAINT`. */
  readonly sqliteCode: string | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; sqliteCode?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.sqliteCode = options.sqliteCode;
  }
}

/** True for a `StoreError`, also one rebuilt on the other side of a worker boundary. */
export function isStoreError(value: unknown, code?: ErrorCode): value is StoreError {
  return value instanceof StoreError && (code === undefined || value.code === code);
}

/**
 * SQLite messages, as sql.js reports them (it exposes only `sqlite3_errmsg`,
 * not the result code), mapped to our codes. Order matters: first match wins.
 */
const SQLITE_MESSAGES: readonly [RegExp, ErrorCode, string][] = [
  [/constraint failed|cannot store .* value in .* column/i, 'CONSTRAINT', 'SQLITE_CONSTRAINT'],
  [/datatype mismatch/i, 'CONSTRAINT', 'SQLITE_MISMATCH'],
  [/database disk image is malformed/i, 'CORRUPT', 'SQLITE_CORRUPT'],
  [/file is not a database/i, 'CORRUPT', 'SQLITE_NOTADB'],
  [/out of memory/i, 'SQL_ERROR', 'SQLITE_NOMEM'],
  [/database or disk is full/i, 'QUOTA_EXCEEDED', 'SQLITE_FULL'],
  [/string or blob too big|too many (terms|columns|SQL variables)/i, 'SQL_ERROR', 'SQLITE_TOOBIG'],
  [/interrupted/i, 'SQL_ERROR', 'SQLITE_INTERRUPT'],
];

/**
 * Turns anything SQLite (through sql.js) threw into a `StoreError`, keeping
 * SQLite's own message. The wa-sqlite `check()` idea: one place decides codes.
 */
export function fromSqlite(error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  for (const [pattern, code, sqliteCode] of SQLITE_MESSAGES) {
    if (pattern.test(message)) return new StoreError(code, message, { cause: error, sqliteCode });
  }
  return new StoreError('SQL_ERROR', message, { cause: error, sqliteCode: 'SQLITE_ERROR' });
}

/**
 * Maps what IndexedDB rejects with (DOMExceptions, or `null` from some
 * browsers on abort) to a `StoreError`, as Dexie does at its boundary.
 * `what` says which operation failed, for a message a person can act on.
 */
export function fromIndexedDb(error: unknown, what: string): StoreError {
  return fromStorage(error, what, 'IndexedDB');
}

/** `fromIndexedDb` for either place a store keeps its data: IndexedDB, or its log in OPFS (`log: 'opfs'`). */
export function fromStorage(error: unknown, what: string, api: 'IndexedDB' | 'OPFS'): StoreError {
  if (error instanceof StoreError) return error;
  const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
  const detail = error instanceof Error || error instanceof DOMException ? error.message : String(error);
  if (name === 'QuotaExceededError' || /quota/i.test(detail)) {
    return new StoreError('QUOTA_EXCEEDED', `${what}: the browser's storage quota for this origin is exhausted (${detail})`, {
      cause: error,
    });
  }
  return new StoreError('PERSIST_FAILED', `${what}: ${api} failed${name ? ` with ${name}` : ''} (${detail})`, {
    cause: error,
  });
}

/** Another tab committed `seq` first: a writer whose view was stale (either log's fence) rolls back and runs again. */
export function conflict(seq: number): StoreError {
  return new StoreError('CONFLICT', `another tab wrote commit ${seq} first; this tab's view was stale and its transaction was rolled back`);
}

/** Wraps anything thrown into a `StoreError`, keeping one that already is. */
export function toStoreError(error: unknown, fallback: ErrorCode = 'SQL_ERROR'): StoreError {
  if (error instanceof StoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreError(fallback, message, { cause: error });
}

/**
 * The error boundary's rule, on both sides of the worker: whatever was
 * thrown leaves as a `StoreError`. A value the structured clone cannot copy
 * is the caller's (`INVALID_ARGUMENT`); anything else unforeseen is
 * `INTERNAL`, keeping its name and message.
 */
export function atBoundary(error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
  const message = error instanceof Error || error instanceof DOMException ? error.message : String(error);
  if (name === 'DataCloneError') {
    return new StoreError('INVALID_ARGUMENT', `a value cannot be passed to or from the store's worker (${message})`, { cause: error });
  }
  if (name === 'QuotaExceededError') return fromIndexedDb(error, 'storing');
  return new StoreError('INTERNAL', `unexpected failure in the store: ${name || 'error'}: ${message}`, { cause: error });
}
