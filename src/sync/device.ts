/**
 * The device side of sync, inside the worker, on the narrow `Sql` interface:
 * joining a shared ledger, the outbox, and what a push answer does. Every
 * function runs in the one SQLite transaction the worker opened for it, so a
 * ledger operation and its outbox row (and the device sequence number it
 * takes) commit together or not at all. A ledger that never joined has no
 * `sync_state` row, and none of this runs for it.
 */
import type { LedgerOpName } from '../ledger/operations';
import { ledgerOps } from '../ledger/operations';
import type { Receipt } from '../ledger/types';
import { StoreError } from '../shared/errors';
import type { Sql } from '../shared/types';
import { applyLocal } from './apply-local';
import type { CanonicalOp, JoinedDevice, PendingSummary, PushItem, PushOutcome, RejectionReason as PublicReason, SyncCredentials, SyncOp, SyncRejection, SyncState } from './device-types';
import { MAX_PUSH_OPS } from './limits';
import type { Joined, LogOp, Op, PendingOp, PushResult, RejectionReason } from './protocol';
import { rebuild } from './rebase';

const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

/** Compile-time check: the public, hand-written types (device-types.ts) are exactly the protocol's: the op, the reasons, the wire shapes. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const OPS_MATCH: Same<Op, SyncOp> & Same<RejectionReason, PublicReason> & Same<Joined, JoinedDevice> & Same<PendingOp, PushItem> & Same<PushResult, PushOutcome> & Same<LogOp, CanonicalOp> =
  true;
void OPS_MATCH;

/**
 * The protocol's op and key checks. They are built on zod, about 100 KB of
 * the worker and 13 ms of its start in Chromium (measured: an empty module
 * worker answered in 32 ms at the median, one that loads the protocol in
 * 45). So the worker loads them only for a ledger that is shared: as soon
 * as it finds it shared (after an open, a join in any tab, a restore), or
 * at a write made before that (`loadOpChecks`, called by the worker's API).
 */
let checks: Pick<typeof import('./protocol'), 'OpSchema' | 'KeySchema'> | undefined;
let loading: Promise<void> | undefined;

/** Loads the op checks (once); a failure is kept for the next call to try again. */
export function loadOpChecks(): Promise<void> {
  loading ??= import('./protocol').then(
    (protocol) => void (checks = protocol),
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/** True once the op checks are loaded. */
export function opChecksLoaded(): boolean {
  return checks !== undefined;
}

function opChecks(): NonNullable<typeof checks> {
  if (!checks) throw new StoreError('INTERNAL', 'the sync protocol checks are not loaded (their module could not be fetched)');
  return checks;
}

/** The ledger operations that change the books, and so go through the outbox on a shared ledger. */
const WRITES: ReadonlySet<string> = new Set(['createPlayer', 'setBalance', 'transfer', 'createGame', 'recordBet', 'recordRoll', 'settleGame']);

/** This device's credentials, or undefined while the ledger is not shared (or its schema predates sync). */
export function credentials(e: Sql): SyncCredentials | undefined {
  if (e.query(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sync_state'`).length === 0) return undefined;
  const row = e.query(`SELECT server_url, ledger_id, device_id, device_token, role, cursor FROM sync_state`)[0];
  if (!row) return undefined;
  return {
    serverUrl: row.server_url as string,
    ledgerId: row.ledger_id as string,
    deviceId: row.device_id as string,
    deviceToken: row.device_token as string,
    role: row.role as SyncCredentials['role'],
    cursor: String(row.cursor),
  };
}

/** True when `name` is a write that must go through the outbox of this (shared) ledger. */
export function isSharedWrite(e: Sql, name: LedgerOpName, shared = (sql: Sql) => credentials(sql) !== undefined): boolean {
  return WRITES.has(name) && shared(e);
}

/** Makes this ledger a device of the shared ledger the server answered with. Only an empty ledger joins. */
export function join(e: Sql, joined: Joined, serverUrl: string): SyncState {
  if (credentials(e)) throw new StoreError('INVALID_ARGUMENT', 'this ledger is already shared');
  const held = e.query(`SELECT count(*) AS n FROM account WHERE kind <> 'house'`)[0]!.n as number;
  if (held > 0) {
    throw new StoreError('INVALID_ARGUMENT', `only an empty ledger can be shared or join a shared one: this one already holds ${held} players or games`);
  }
  e.run(`INSERT INTO sync_state (id, server_url, ledger_id, device_id, device_token, role) VALUES (1, ?, ?, ?, ?, ?)`, [
    serverUrl,
    joined.ledgerId,
    joined.deviceId,
    joined.deviceToken,
    joined.role,
  ]);
  return state(e);
}

function amountText(v: unknown, label: string): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  throw new StoreError('INVALID_ARGUMENT', `${label} must be an integer amount (bigint), not ${typeof v}`);
}

/** A local call's arguments as the protocol's op; `userKey` is the caller's idempotency key, if any. */
function toOp(e: Sql, name: LedgerOpName, args: unknown[]): { op: unknown; userKey?: unknown } {
  const a = args as [unknown, unknown, unknown, { idempotencyKey?: unknown; houseCovers?: unknown; id?: unknown } | undefined];
  switch (name) {
    case 'createPlayer':
    case 'setBalance':
      return { op: { type: name, player: a[0], balance: amountText(a[1], 'balance') } };
    case 'transfer':
      return { op: { type: 'transfer', from: a[0], to: a[1], amount: amountText(a[2], 'transfer amount') }, userKey: a[3]?.idempotencyKey };
    case 'createGame': {
      const given = (a[0] as { id?: unknown } | undefined)?.id;
      // The id must be the same on every device, so it is fixed here, in the op.
      return { op: { type: 'createGame', game: given ?? crypto.randomUUID() } };
    }
    case 'recordBet': {
      const wager = (a[3] as { wager?: unknown } | undefined)?.wager;
      return { op: { type: 'recordBet', game: a[0], player: a[1], amount: amountText(a[2], 'bet'), ...(wager === undefined ? {} : { wager }) }, userKey: a[3]?.idempotencyKey };
    }
    case 'recordRoll':
      return { op: { type: 'recordRoll', game: a[0], die1: a[1], die2: a[2] } };
    case 'settleGame': {
      const payouts = a[1];
      if (typeof payouts !== 'object' || payouts === null) throw new StoreError('INVALID_ARGUMENT', 'payouts must be an object');
      const list = Object.entries(payouts).map(([player, amount]) => ({ player, amount: amountText(amount, `payout to ${player}`) }));
      const total = list.reduce((sum, p) => sum + BigInt(p.amount), 0n);
      // The house covering is in the op only where it pays something: it mints, and only owners may.
      const pot = typeof a[0] === 'string' && (a[2] as { houseCovers?: unknown } | undefined)?.houseCovers === true ? ledgerOps.game(e, a[0]).pot : undefined;
      const covers = pot !== undefined && total > pot;
      return { op: { type: 'settleGame', game: a[0], payouts: list, ...(covers ? { houseCovers: true } : {}) } };
    }
    default:
      throw new StoreError('INVALID_ARGUMENT', `${name} is not a ledger write`);
  }
}

/** The op's idempotency key: the caller's, scoped to this device (so two devices' keys never collide), or a fresh UUID. */
function opKey(deviceId: string, userKey: unknown): string {
  if (userKey === undefined) return crypto.randomUUID();
  const key = `${deviceId}.${String(userKey)}`;
  if (typeof userKey !== 'string' || !opChecks().KeySchema.safeParse(key).success) {
    throw new StoreError('INVALID_ARGUMENT', 'on a shared ledger an idempotencyKey must be up to 91 characters of A-Z a-z 0-9 _ . : -');
  }
  return key;
}

/**
 * A ledger write on a shared ledger: checked against the protocol, applied to
 * the local books at once, and queued in the outbox with the next device
 * sequence number, all in the caller's transaction. Refused locally, it
 * rolls back and takes no number. A retry with the same idempotency key
 * returns the first receipt and queues nothing.
 */
export function record(e: Sql, name: LedgerOpName, args: unknown[]): Receipt | string | number | void {
  const me = credentials(e)!;
  const { op: raw, userKey } = toOp(e, name, args);
  const parsed = opChecks().OpSchema.safeParse(raw);
  if (!parsed.success) {
    throw new StoreError('INVALID_ARGUMENT', parsed.error.issues.map((i) => `${i.path.join('.') || name}: ${i.message}`).join('; '));
  }
  const op: Op = parsed.data;
  const mints = (op.type === 'createPlayer' && op.balance !== '0') || op.type === 'setBalance' || (op.type === 'settleGame' && op.houseCovers === true);
  if (mints && me.role !== 'owner') {
    const what = op.type === 'setBalance' ? 'setBalance' : op.type === 'settleGame' ? 'the house covering payouts beyond the pot' : 'an opening balance';
    throw new StoreError('FORBIDDEN', `this device is a member of the shared ledger: only an owner's device may mint tokens (${what})`);
  }
  const key = opKey(me.deviceId, userKey);
  if (e.query(`SELECT 1 FROM sync_rejection WHERE key = ?`, [key]).length > 0) {
    throw new StoreError('INVALID_ARGUMENT', `idempotency key ${String(userKey)} belongs to an op the server rejected`);
  }
  const result = applyLocal(e, op, key);
  if (typeof result === 'object' && result.replayed) return result; // the same op again: already queued or confirmed
  const seq = e.query(`SELECT next_device_seq AS n FROM sync_state`)[0]!.n as number;
  e.run(`INSERT INTO sync_outbox (device_seq, key, op, created_at) VALUES (?, ?, ?, ${NOW})`, [seq, key, JSON.stringify(op)]);
  e.run(`UPDATE sync_state SET next_device_seq = ?`, [seq + 1]);
  return result;
}

function pendingRows(e: Sql, where = '', params: number[] = []): PendingSummary[] {
  return e.query(`SELECT device_seq, key, op, in_books, seq FROM sync_outbox ${where} ORDER BY device_seq LIMIT ${MAX_PUSH_OPS * 10}`, params).map((r) => ({
    deviceSeq: r.device_seq as number,
    key: r.key as string,
    op: JSON.parse(r.op as string) as Op,
    inBooks: r.in_books === 1,
    seq: r.seq === null ? null : String(r.seq),
  }));
}

/**
 * The next push: up to 100 outbox ops, oldest first. From the first op no
 * push has been answered for, or from `fromDeviceSeq` when the server asked
 * for that one again (SEQUENCE_GAP).
 */
export function outbox(e: Sql, fromDeviceSeq?: number): PendingOp[] {
  const rows = fromDeviceSeq === undefined ? pendingRows(e, 'WHERE seq IS NULL') : pendingRows(e, 'WHERE device_seq >= ?', [fromDeviceSeq]);
  return rows.slice(0, MAX_PUSH_OPS).map((r) => ({ deviceSeq: r.deviceSeq, key: r.key, op: r.op }));
}

/**
 * A push's answer. `applied` ops stay in the outbox, with their seq, until a
 * pull brings them in from the canonical log. `rejected` ops are final: they
 * leave the outbox for the rejections table, and the books are rebuilt
 * without them. Outcomes for ops no longer in the outbox (a pull got there
 * first) change nothing.
 */
export function pushed(e: Sql, results: PushResult[]): { rejected: number } {
  let rejected = 0;
  for (const r of results) {
    const row = e.query(`SELECT op FROM sync_outbox WHERE device_seq = ? AND key = ?`, [r.deviceSeq, r.key])[0];
    if (!row) continue;
    if (r.status === 'applied') {
      e.run(`UPDATE sync_outbox SET seq = ? WHERE device_seq = ?`, [BigInt(r.seq), r.deviceSeq]);
      continue;
    }
    e.run(`INSERT INTO sync_rejection (device_seq, key, op, reason, message, at) VALUES (?, ?, ?, ?, ?, ${NOW}) ON CONFLICT DO NOTHING`, [
      r.deviceSeq,
      r.key,
      row.op as string,
      r.reason,
      r.message,
    ]);
    e.run(`DELETE FROM sync_outbox WHERE device_seq = ?`, [r.deviceSeq]);
    rejected++;
  }
  if (rejected > 0) rebuild(e);
  return { rejected };
}

/** The sync state every tab shows: identity (never the token), cursor, pending ops, rejections, last sync. */
export function state(e: Sql): SyncState {
  const me = credentials(e);
  if (!me) return { joined: null, cursor: '0', pending: [], rejections: [], lastSyncAt: null };
  const last = e.query(`SELECT last_sync_at FROM sync_state`)[0]!.last_sync_at as string | null;
  const rejections: SyncRejection[] = e.query(`SELECT device_seq, key, op, reason, message, at FROM sync_rejection ORDER BY device_seq DESC LIMIT 50`).map((r) => ({
    deviceSeq: r.device_seq as number,
    key: r.key as string,
    op: JSON.parse(r.op as string) as Op,
    reason: r.reason as RejectionReason,
    message: r.message as string,
    at: r.at as string,
  }));
  const { serverUrl, ledgerId, deviceId, role, cursor } = me;
  return { joined: { serverUrl, ledgerId, deviceId, role }, cursor, pending: pendingRows(e), rejections, lastSyncAt: last };
}
