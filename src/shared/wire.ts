/**
 * Comlink's default throw handler keeps only `message`, `name` and `stack`,
 * so `StoreError.code` would not survive the worker boundary. This one sends
 * the code (and SQLite's code) along and rebuilds a real `StoreError` on the
 * page, so `instanceof StoreError` and `error.code` work there.
 */
import { transferHandlers, type TransferHandler } from 'comlink';
import { ERROR_CODES, StoreError, type ErrorCode } from './errors';

/** What crosses the boundary for a thrown value. */
type WireError =
  | { kind: 'store'; code: ErrorCode; message: string; stack: string | undefined; sqliteCode: string | undefined; cause: string | undefined }
  | { kind: 'error'; name: string; message: string; stack: string | undefined }
  | { kind: 'value'; value: unknown };

/** Comlink wraps a thrown value as `{ value, [Symbol("Comlink.thrown")]: 0 }`; its symbol is not exported. */
function isThrown(value: unknown): value is { value: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.getOwnPropertySymbols(value).some((s) => s.description === 'Comlink.thrown')
  );
}

function toWire(value: unknown): WireError {
  if (value instanceof StoreError) {
    const cause = value.cause instanceof Error ? `${value.cause.name}: ${value.cause.message}` : undefined;
    return { kind: 'store', code: value.code, message: value.message, stack: value.stack, sqliteCode: value.sqliteCode, cause };
  }
  if (value instanceof Error) return { kind: 'error', name: value.name, message: value.message, stack: value.stack };
  try {
    structuredClone(value);
    return { kind: 'value', value };
  } catch {
    return { kind: 'error', name: 'Error', message: String(value), stack: undefined };
  }
}

function fromWire(wire: WireError): unknown {
  if (wire.kind === 'value') return wire.value;
  if (wire.kind === 'error') {
    const error = new Error(wire.message);
    error.name = wire.name;
    if (wire.stack) error.stack = wire.stack;
    return error;
  }
  const code = (ERROR_CODES as readonly string[]).includes(wire.code) ? wire.code : 'SQL_ERROR';
  const options = { sqliteCode: wire.sqliteCode, cause: wire.cause === undefined ? undefined : new Error(wire.cause) };
  const error = new StoreError(code, wire.message, options);
  // Keep both stacks: where the page called, and where the worker failed.
  if (wire.stack) error.stack = `${error.stack ?? ''}\n--- in the store worker ---\n${wire.stack}`;
  return error;
}

const storeThrowHandler: TransferHandler<{ value: unknown }, WireError> = {
  canHandle: isThrown,
  serialize: ({ value }) => [toWire(value), []],
  deserialize: (wire) => {
    throw fromWire(wire);
  },
};

/** Installs the handler; call once on each side of the boundary (idempotent). */
export function installErrorTransfer(): void {
  transferHandlers.set('throw', storeThrowHandler as TransferHandler<unknown, unknown>);
}
