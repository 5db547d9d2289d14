/**
 * The sync steps the worker runs for its page (WorkerApi.sync), by name, like
 * `ledgerOps`: each one on the `Sql` interface, inside one transaction.
 */
import type { Sql } from '../shared/types';
import { credentials, join, outbox, pushed, state } from './device';
import { pulled } from './rebase';

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
};

/** The sync steps' names, and which of them only read. */
export type SyncOps = typeof syncOps;
export type SyncOpName = keyof SyncOps;
export const READ_SYNC_OPS: ReadonlySet<SyncOpName> = new Set(['state', 'credentials', 'outbox']);
