/**
 * The sync steps the worker runs for its page (WorkerApi.sync), by name, like
 * `ledgerOps`: each one on the `Sql` interface, inside one transaction.
 */
import type { Sql } from '../shared/types';
import { credentials, join, outbox, pushed, state } from './device';
import type { SyncSteps } from './device-types';
import { pulled } from './rebase';

/** The steps with the worker's SQL connection first; `satisfies` keeps them in step with the public `SyncSteps`. */
type OnSql = { [K in keyof SyncSteps]: (e: Sql, ...args: Parameters<SyncSteps[K]>) => ReturnType<SyncSteps[K]> };

/** Every sync step the page may ask the worker for. */
export const syncOps = {
  /** What every tab shows (never the device token). */
  state,
  /** The credentials and cursor the sync engine talks to the server with, or undefined while not shared. */
  credentials: (e: Sql) => credentials(e),
  join,
  outbox,
  pushed,
  pulled,
} satisfies OnSql;

/** The sync steps' names, and which of them only read. */
export type SyncOpName = keyof SyncSteps;
export const READ_SYNC_OPS: ReadonlySet<SyncOpName> = new Set(['state', 'credentials', 'outbox']);
