/**
 * Types of the device side of sync, shared by the worker (src/sync/) and the
 * page (src/client/sync.ts), and part of the public API. Written out here
 * rather than taken from protocol.ts, whose types are inferred from zod
 * schemas: the published declarations must not need zod. device.ts checks
 * at compile time that `SyncOp` is exactly the protocol's `Op`.
 */

/** A device's role in a shared ledger: an owner may mint and invite; a member may not. */
export type Role = 'owner' | 'member';

/** Why the server refused an op for good (see server/README.md). */
export type RejectionReason = 'INSUFFICIENT_FUNDS' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'GAME_SETTLED' | 'PAYOUT_EXCEEDS_POT' | 'OVERFLOW' | 'FORBIDDEN';

/** One ledger operation as it travels between devices and the server; amounts are decimal strings. */
export type SyncOp =
  | { type: 'createPlayer'; player: string; balance: string }
  | { type: 'setBalance'; player: string; balance: string }
  | { type: 'transfer'; from: string; to: string; amount: string }
  | { type: 'createGame'; game: string }
  | { type: 'recordBet'; game: string; player: string; amount: string; wager?: string }
  | { type: 'recordRoll'; game: string; die1: number; die2: number }
  | { type: 'settleGame'; game: string; payouts: { player: string; amount: string }[]; houseCovers?: true };
type Op = SyncOp;

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

/** A device's credential as the server hands it out (the protocol's `Joined`). */
export interface JoinedDevice {
  ledgerId: string;
  deviceId: string;
  deviceToken: string;
  role: Role;
}

/** One outbox op as pushed (the protocol's `PendingOp`). */
export interface PushItem {
  deviceSeq: number;
  key: string;
  op: SyncOp;
}

/** The outcome of one pushed op (the protocol's `PushResult`). */
export type PushOutcome =
  | { deviceSeq: number; key: string; status: 'applied'; seq: string }
  | { deviceSeq: number; key: string; status: 'rejected'; reason: RejectionReason; message: string };

/** One op of the canonical log (the protocol's `LogOp`). */
export interface CanonicalOp {
  seq: string;
  key: string;
  deviceId: string;
  deviceSeq: number;
  op: SyncOp;
  at: string;
}

/** The sync steps the worker runs for its page (`WorkerApi.sync`), each in one transaction; src/sync/device-ops.ts implements them. */
export interface SyncSteps {
  state(): SyncState;
  credentials(): SyncCredentials | undefined;
  join(joined: JoinedDevice, serverUrl: string): SyncState;
  outbox(fromDeviceSeq?: number): PushItem[];
  pushed(results: PushOutcome[]): { rejected: number };
  pulled(ops: CanonicalOp[]): PulledReport;
}
