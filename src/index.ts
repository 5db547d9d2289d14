/**
 * Pacioli: an offline SQLite store for browsers and PWAs.
 *
 * ```ts
 * import { openStore } from 'pacioli';
 * const store = await openStore({ name: 'books' });
 * await store.run('CREATE TABLE IF NOT EXISTS t(x INTEGER)');
 * await store.transaction(async (tx) => { await tx.run('INSERT INTO t VALUES (?)', [1n]); });
 * ```
 *
 * @module pacioli
 */
export { openStore, Store, type StoreEvent } from './client/store';
export { checkpointsOf, deleteStore, recoverStore, recoveryCopy, restoreCheckpointOf, type RecoveryCopyInfo } from './client/recovery';
export { ERROR_CODES, isStoreError, StoreError, type ErrorCode } from './shared/errors';
export type {
  BackupManifest,
  BackupPreview,
  CheckpointInfo,
  Durability,
  LogPlace,
  KeptCheckpoint,
  LoadOptions,
  Migration,
  RunResult,
  SqlParams,
  SqlValue,
  StoreOptions,
  StoreStats,
  Tx,
  WorkerSource,
} from './shared/types';
export { openLedger, Ledger } from './client/ledger';
export type { AuditReport, Bet, Entry, GameInfo, Receipt } from './ledger/types';
export { LEDGER_MIGRATIONS } from './ledger/schema';
export { LedgerSync, parseInvite, type SyncInvite, type SyncStatus } from './client/sync';
export type { EngineLive } from './client/sync-engine';
export type { PendingSummary, RejectionReason, Role, SyncIdentity, SyncOp, SyncRejection, SyncState } from './sync/device-types';
