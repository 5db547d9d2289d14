/**
 * The sync protocol between a device and the ledger server: the one contract
 * both sides import. Every body is JSON; every amount is a decimal string
 * (JSON numbers lose precision past 2^53), and the schemas below refuse
 * anything else. The server validates every request with these schemas; the
 * client should validate an op with `OpSchema` before applying it locally,
 * so that it never queues an op the server would refuse as malformed.
 *
 * | endpoint | auth | body | answer |
 * |---|---|---|---|
 * | `POST /v1/ledgers` | `Bearer <create token>` if the server has one | `{}` | `Joined` (role `owner`) |
 * | `POST /v1/ledgers/:ledger/join` | none: the invite is the secret | `JoinRequest` | `Joined` |
 * | `POST /v1/ledgers/:ledger/invites` | device, owner role | `InviteRequest` | `InviteAnswer` |
 * | `POST /v1/ledgers/:ledger/push` | device | `PushRequest` | `PushAnswer` |
 * | `GET /v1/ledgers/:ledger/ops?after=&limit=&wait=` | device | none | `PullAnswer` (long-polls up to `wait` s when nothing is new) |
 * | `GET /v1/ledgers/:ledger/audit` | device | none | `ServerAudit` |
 *
 * A device authenticates with `Authorization: Bearer <deviceToken>` and may
 * reach only its own ledger. Errors are `ErrorAnswer` with status 400
 * (malformed), 401 (no or bad credential), 403 (another ledger, or a role
 * the device lacks), 404, 409 (sequence gap, idempotency key reused), 413
 * (body over 1 MiB), 415 (body not JSON). server/README.md says what the
 * client must do with each, and how the outbox and rebase fit.
 */
import * as z from 'zod';
import { MAX_PUSH_OPS } from './limits';

/** Largest amount or balance: 2^63 - 1, PostgreSQL's bigint and SQLite's INTEGER. */
export const INT64_MAX = 2n ** 63n - 1n;
/** Most ops one push may carry (in limits.ts, which the worker loads without zod). */
export { MAX_PUSH_OPS };
/** Most ops one pull returns. */
export const MAX_PULL_OPS = 1000;
/** Longest a pull may wait for news, in seconds. */
export const MAX_WAIT_SECONDS = 30;
/** Most payouts one settle may carry. */
export const MAX_PAYOUTS = 64;

/** A player or game id: 1 to 128 characters, no control characters (PostgreSQL text cannot hold NUL). */
export const IdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');

const DECIMAL = /^(0|[1-9][0-9]{0,18})$/;

/** True for a decimal string of an integer from 0 to 2^63 - 1, without sign or leading zeros. */
export function isInt64String(s: string): boolean {
  // Zod runs refinements even after a failed regex, so this must not trust the regex ran first.
  return DECIMAL.test(s) && BigInt(s) <= INT64_MAX;
}

/** An amount: a decimal string of a non-negative integer no larger than 2^63 - 1, without sign or leading zeros. */
export const AmountSchema = z.string().refine(isInt64String, 'must be a decimal integer string from 0 to 2^63-1');

/** What a bet is on: 1 to 32 characters, as the local ledger takes it. */
export const WagerSchema = z.string().min(1).max(32).regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');

/** One die: a whole number from 1 to 6. */
export const DieSchema = z.number().int().min(1).max(6);

/** An amount that must be more than zero (transfers, bets). */
export const PositiveAmountSchema = AmountSchema.refine((s) => s !== '0', 'must be positive');

/** An idempotency key: the op's identity across retries and devices. Use a random UUID. */
export const KeySchema = z.string().regex(/^[A-Za-z0-9_.:-]{8,128}$/, 'must be 8 to 128 characters of [A-Za-z0-9_.:-]');

/** A device's own sequence number for its ops: 1, 2, 3, ... with no gap. */
export const DeviceSeqSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** One ledger operation, as the device applied it locally. Mirrors `ledgerOps` in src/ledger/operations.ts. */
export const OpSchema = z.discriminatedUnion('type', [
  /** Mints `balance` from the house: owner role only unless it is "0". */
  z.strictObject({ type: z.literal('createPlayer'), player: IdSchema, balance: AmountSchema }),
  /** Mints or burns to reach `balance`: owner role only. */
  z.strictObject({ type: z.literal('setBalance'), player: IdSchema, balance: AmountSchema }),
  z
    .strictObject({ type: z.literal('transfer'), from: IdSchema, to: IdSchema, amount: PositiveAmountSchema })
    .refine((op) => op.from !== op.to, 'a transfer needs two different players'),
  z.strictObject({ type: z.literal('createGame'), game: IdSchema }),
  /** `wager`: what the bet is on ('pass', 'dontPass' at the craps table), so every device can resume the game. */
  z.strictObject({ type: z.literal('recordBet'), game: IdSchema, player: IdSchema, amount: PositiveAmountSchema, wager: WagerSchema.optional() }),
  /** A roll of two dice in an open game: no tokens move; it is in the log so every device resolves the round alike. */
  z.strictObject({ type: z.literal('recordRoll'), game: IdSchema, die1: DieSchema, die2: DieSchema }),
  /**
   * Empties the pot: each payout to its player, the rest to the house. With
   * `houseCovers`, payouts beyond the pot are paid by the house (even-money
   * games pay a winner twice the stake): that mints, so owner role only.
   */
  z
    .strictObject({
      type: z.literal('settleGame'),
      game: IdSchema,
      payouts: z.array(z.strictObject({ player: IdSchema, amount: AmountSchema })).max(MAX_PAYOUTS),
      houseCovers: z.literal(true).optional(),
    })
    .refine((op) => new Set(op.payouts.map((p) => p.player)).size === op.payouts.length, 'a player may appear once in payouts'),
]);
/** One ledger operation. */
export type Op = z.infer<typeof OpSchema>;
/** The op kinds. */
export type OpType = Op['type'];

/** One entry of a device's outbox, as pushed. */
export const PendingOpSchema = z.strictObject({ deviceSeq: DeviceSeqSchema, key: KeySchema, op: OpSchema });
/** One entry of a device's outbox, as pushed. */
export type PendingOp = z.infer<typeof PendingOpSchema>;

/** Body of `POST /push`: the device's pending ops, oldest first, consecutive device sequence numbers. */
export const PushRequestSchema = z
  .strictObject({ ops: z.array(PendingOpSchema).min(1).max(MAX_PUSH_OPS) })
  .refine((r) => r.ops.every((o, i) => i === 0 || o.deviceSeq === r.ops[i - 1]!.deviceSeq + 1), 'deviceSeq must increase by one from op to op');
/** Body of `POST /push`. */
export type PushRequest = z.infer<typeof PushRequestSchema>;

/**
 * Why the authoritative state refused an op. The op is then final: it leaves
 * the outbox and the device shows the reason. (A malformed op is a 400 instead.)
 */
export const REJECTION_REASONS = [
  'INSUFFICIENT_FUNDS', // the payer's canonical balance is below the amount (e.g. another device spent first)
  'NOT_FOUND', // no such player or game
  'ALREADY_EXISTS', // the player or game id is taken
  'GAME_SETTLED', // a bet or settle on a game already settled
  'PAYOUT_EXCEEDS_POT', // payouts add up to more than the pot holds
  'OVERFLOW', // a balance or the total supply would pass 2^63 - 1
  'FORBIDDEN', // minting (an opening balance, setBalance, or the house covering payouts) without the owner role
] as const;
/** Why the authoritative state refused an op. */
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** The outcome of one pushed op. A retried push answers with the first outcome again. */
export type PushResult =
  | { deviceSeq: number; key: string; status: 'applied'; seq: string }
  | { deviceSeq: number; key: string; status: 'rejected'; reason: RejectionReason; message: string };

/** Answer of `POST /push`: one result per op, in order, and the log's head after them. */
export interface PushAnswer {
  results: PushResult[];
  head: string;
}

/** One op of the canonical log. `seq` is dense from "1"; replaying the log in order rebuilds the books. */
export interface LogOp {
  seq: string;
  key: string;
  deviceId: string;
  deviceSeq: number;
  op: Op;
  /** ISO-8601 UTC time the server applied it. */
  at: string;
}

/** Query of `GET /ops`: ops with seq after `after`, at most `limit`, waiting up to `wait` seconds when none. */
export const PullQuerySchema = z.strictObject({
  after: z.string().refine(isInt64String, 'must be a seq: a decimal integer string').default('0'),
  limit: z.coerce.number().int().min(1).max(MAX_PULL_OPS).default(MAX_PULL_OPS),
  wait: z.coerce.number().int().min(0).max(MAX_WAIT_SECONDS).default(0),
});
/** Query of `GET /ops`. */
export type PullQuery = z.infer<typeof PullQuerySchema>;

/** Answer of `GET /ops`: the next ops in order; `more` when there are further ops past these. */
export interface PullAnswer {
  ops: LogOp[];
  head: string;
  more: boolean;
}

/** Device roles: an owner may mint and invite; a member may not. */
export const RoleSchema = z.enum(['owner', 'member']);
/** Device roles. */
export type Role = z.infer<typeof RoleSchema>;

/** Body of `POST /invites`. */
export const InviteRequestSchema = z.strictObject({
  role: RoleSchema.default('member'),
  /** How long the invite may be used. */
  ttlSeconds: z.number().int().min(60).max(30 * 24 * 3600).default(7 * 24 * 3600),
});
/** Body of `POST /invites`. */
export type InviteRequest = z.input<typeof InviteRequestSchema>;

/** Answer of `POST /invites`: a single-use secret for the new device. */
export interface InviteAnswer {
  invite: string;
  role: Role;
  expiresAt: string;
}

/** Body of `POST /join`. */
export const JoinRequestSchema = z.strictObject({ invite: z.string().min(1).max(200) });
/** Body of `POST /join`. */
export type JoinRequest = z.infer<typeof JoinRequestSchema>;

/** Answer of `POST /ledgers` and `POST /join`: the device's credential, shown once; the server keeps only its hash. */
export interface Joined {
  ledgerId: string;
  deviceId: string;
  deviceToken: string;
  role: Role;
}

/** Answer of `GET /audit`: the server's check of the ledger's books, in the shape of the local `audit()`. */
export interface ServerAudit {
  ok: boolean;
  problems: string[];
  /** Decimal string. */
  totalSupply: string;
  head: string;
}

/** Error codes of a refused request. */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'SEQUENCE_GAP'
  | 'IDEMPOTENCY_CONFLICT'
  | 'TOO_LARGE'
  | 'INTERNAL';

/** Body of every 4xx/5xx answer. `expectedDeviceSeq` comes with SEQUENCE_GAP. */
export interface ErrorAnswer {
  error: ErrorCode;
  message: string;
  expectedDeviceSeq?: number;
}

/** Largest request body the server reads, in bytes. */
export const MAX_PUSH_BYTES = 1024 * 1024;
