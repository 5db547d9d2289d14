/** Types of the device side of sync, shared by the worker (src/sync/) and the page (src/client/sync.ts). */
import type { Op, RejectionReason, Role } from './protocol';

/** Which shared ledger this device belongs to, and as what. */
export interface SyncIdentity {
  /** The sync server's base URL, e.g. `https://sync.example.org`. */
  serverUrl: string;
  ledgerId: string;
  deviceId: string;
  /** `owner` may mint (opening balances, `setBalance`) and invite; `member` may not. */
  role: Role;
}

/** What the sync engine needs to talk to the server: the identity, the device's secret and the pull cursor. */
export interface SyncCredentials extends SyncIdentity {
  deviceToken: string;
  /** The last canonical `seq` this device applied ("0" before the first pull). */
  cursor: string;
}

/** An op of this device that the server refused for good: it left the outbox and its effect left the books. */
export interface SyncRejection {
  deviceSeq: number;
  key: string;
  op: Op;
  reason: RejectionReason;
  /** The server's words, e.g. "player ann has 30, cannot pay 60". */
  message: string;
  /** When this device learned of it (ISO-8601 UTC). */
  at: string;
}

/** One op still waiting for the server. */
export interface PendingSummary {
  deviceSeq: number;
  key: string;
  op: Op;
  /** False when the op no longer applies on top of the server's books (it will most likely be rejected). */
  inBooks: boolean;
  /** The server's seq once a push was answered `applied`; the op stays here until a pull brings it in. */
  seq: string | null;
}

/** The durable sync state of a ledger, as every tab sees it. */
export interface SyncState {
  /** Null while the ledger is not shared: then nothing of sync runs or costs anything. */
  joined: SyncIdentity | null;
  cursor: string;
  pending: PendingSummary[];
  /** Newest first, at most 50. */
  rejections: SyncRejection[];
  /** When a pull last completed (ISO-8601 UTC), or null. */
  lastSyncAt: string | null;
}

/** What a pull did to the books. */
export interface PulledReport {
  cursor: string;
  /** `none`: nothing new; `prefix`: the new ops were exactly our oldest pending ones; `on-top`: applied on
   * top (nothing was pending); `rebuilt`: the books were rebuilt from the kept log plus the pending ops. */
  path: 'none' | 'prefix' | 'on-top' | 'rebuilt';
}
