/**
 * `openStore`'s options: defaults, and the checks that refuse what the
 * store cannot accept before a worker even starts.
 */
import { StoreError } from '../shared/errors';
import type { LoadOptions, StoreOptions } from '../shared/types';

/** The defaults of `openStore`. */
export const DEFAULTS = { durability: 'strict', txTimeoutMs: 10_000, compactAfterBytes: 4 * 1024 * 1024, keepCheckpoints: 5, checkpointEveryMs: 24 * 3600_000, reserveBytes: 1024 * 1024, log: 'indexeddb', forwardWrites: true } as const;

/** The options with defaults applied; `INVALID_ARGUMENT` names the first that is wrong. */
export function validate(options: StoreOptions): Required<Omit<StoreOptions, 'migrations' | 'autoMigrate' | keyof LoadOptions>> {
  if (typeof options !== 'object' || options === null) throw new StoreError('INVALID_ARGUMENT', 'openStore needs an options object');
  const { name } = options;
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
    throw new StoreError('INVALID_ARGUMENT', 'the store name must be a string of 1 to 200 characters');
  }
  const durability = options.durability ?? DEFAULTS.durability;
  if (durability !== 'strict' && durability !== 'relaxed') {
    throw new StoreError('INVALID_ARGUMENT', `durability must be 'strict' or 'relaxed', not ${String(durability)}`);
  }
  const txTimeoutMs = options.txTimeoutMs ?? DEFAULTS.txTimeoutMs;
  const compactAfterBytes = options.compactAfterBytes ?? DEFAULTS.compactAfterBytes;
  const keepCheckpoints = options.keepCheckpoints ?? DEFAULTS.keepCheckpoints;
  const checkpointEveryMs = options.checkpointEveryMs ?? DEFAULTS.checkpointEveryMs;
  const reserveBytes = options.reserveBytes ?? DEFAULTS.reserveBytes;
  const check = (values: Record<string, unknown>, min: number, what: string) => {
    for (const [key, value] of Object.entries(values)) {
      if (typeof value !== 'number' || !(value >= min) || !Number.isFinite(value)) throw new StoreError('INVALID_ARGUMENT', `${key} must be a ${what} number`);
    }
  };
  check({ txTimeoutMs, compactAfterBytes }, Number.MIN_VALUE, 'positive');
  check({ keepCheckpoints, checkpointEveryMs, reserveBytes }, 0, 'non-negative');
  const log = options.log ?? DEFAULTS.log;
  if (log !== 'indexeddb' && log !== 'opfs') throw new StoreError('INVALID_ARGUMENT', `log must be 'indexeddb' or 'opfs', not ${String(log)}`);
  const forwardWrites = options.forwardWrites ?? DEFAULTS.forwardWrites;
  if (typeof forwardWrites !== 'boolean') throw new StoreError('INVALID_ARGUMENT', 'forwardWrites must be true or false');
  checkLoadOptions(options);
  return { name, durability, txTimeoutMs, compactAfterBytes, keepCheckpoints, checkpointEveryMs, reserveBytes, log, forwardWrites };
}

/** Checks `worker` and `wasmUrl`; returns the wasm URL as the worker takes it (absolute, against the page). */
export function checkLoadOptions(options: LoadOptions): string | undefined {
  const { worker, wasmUrl } = options;
  const isUrl = (value: unknown) => typeof value === 'string' || value instanceof URL;
  const isWorker = typeof Worker !== 'undefined' && worker instanceof Worker;
  if (worker !== undefined && !isUrl(worker) && !isWorker && typeof worker !== 'function') {
    throw new StoreError('INVALID_ARGUMENT', 'worker must be a URL, a Worker or a function that returns one');
  }
  if (wasmUrl === undefined) return undefined;
  if (!isUrl(wasmUrl)) throw new StoreError('INVALID_ARGUMENT', 'wasmUrl must be a string or a URL');
  // The worker resolves a relative URL against its own script, which may sit elsewhere: resolve it here.
  return new URL(wasmUrl, globalThis.location?.href).href;
}
