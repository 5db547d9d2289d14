/**
 * `openStore`'s options: defaults, and the checks that refuse what the
 * store cannot accept before a worker even starts.
 */
import { StoreError } from '../shared/errors';
import type { StoreOptions } from '../shared/types';

/** The defaults of `openStore`. */
export const DEFAULTS = { durability: 'strict', txTimeoutMs: 10_000, compactAfterBytes: 4 * 1024 * 1024, keepCheckpoints: 5, checkpointEveryMs: 24 * 3600_000 } as const;

/** The options with defaults applied; `INVALID_ARGUMENT` names the first that is wrong. */
export function validate(options: StoreOptions): Required<Omit<StoreOptions, 'migrations' | 'autoMigrate'>> {
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
  const check = (values: Record<string, unknown>, min: number, what: string) => {
    for (const [key, value] of Object.entries(values)) {
      if (typeof value !== 'number' || !(value >= min) || !Number.isFinite(value)) throw new StoreError('INVALID_ARGUMENT', `${key} must be a ${what} number`);
    }
  };
  check({ txTimeoutMs, compactAfterBytes }, Number.MIN_VALUE, 'positive');
  check({ keepCheckpoints, checkpointEveryMs }, 0, 'non-negative');
  return { name, durability, txTimeoutMs, compactAfterBytes, keepCheckpoints, checkpointEveryMs };
}
