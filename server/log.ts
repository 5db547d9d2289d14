/**
 * Push and pull: the canonical op log of a ledger. A push applies a device's
 * ops in order in one transaction that first locks the ledger's head row, so
 * the log's order is the order the books changed in, and replaying it from
 * seq 1 rebuilds them exactly. Each op is decided by the rules (rules.ts)
 * against the authoritative state, then written: applied with the next seq,
 * or rejected with a reason. Either outcome is kept under the op's
 * idempotency key, so a retried push answers with it again and applies nothing.
 */
import type { LogOp, Op, PendingOp, PullAnswer, PushAnswer, PushResult, RejectionReason } from '../src/sync/protocol';
import type { Device } from './auth';
import { transact, type Isolation, type Sql, type Tx } from './db';
import { HttpError } from './errors';
import { plan, type Plan } from './rules';

/** The NOTIFY channel announcing a ledger's new head (payload: the ledger id). */
export const CHANNEL = 'pacioli_ledger_head';

/** The op as stored and compared on retry: JSON with a fixed key order. */
export function canonical(op: Op): string {
  switch (op.type) {
    case 'createPlayer':
    case 'setBalance':
      return JSON.stringify({ type: op.type, player: op.player, balance: op.balance });
    case 'transfer':
      return JSON.stringify({ type: op.type, from: op.from, to: op.to, amount: op.amount });
    case 'createGame':
      return JSON.stringify({ type: op.type, game: op.game });
    case 'recordBet':
      // Optional fields only when given, so an op without them keeps the form it always had.
      return JSON.stringify({ type: op.type, game: op.game, player: op.player, amount: op.amount, ...(op.wager === undefined ? {} : { wager: op.wager }) });
    case 'recordRoll':
      return JSON.stringify({ type: op.type, game: op.game, die1: op.die1, die2: op.die2 });
    case 'settleGame':
      return JSON.stringify({
        type: op.type,
        game: op.game,
        payouts: op.payouts.map((p) => ({ player: p.player, amount: p.amount })),
        ...(op.houseCovers ? { houseCovers: true } : {}),
      });
  }
}

function gameOf(op: Op): string | null {
  return 'game' in op ? op.game : null;
}

/** A replay: the stored outcome of a deviceSeq this device already pushed, if it is the same op. */
async function earlier(tx: Tx, device: Device, p: PendingOp): Promise<PushResult> {
  const [row] = await tx<{ key: string; body: string; seq: bigint | null; reason: string | null; message: string | null }[]>`
    SELECT key, body, seq, reason, message FROM op WHERE ledger_id = ${device.ledgerId} AND device_id = ${device.id} AND device_seq = ${p.deviceSeq}`;
  if (!row || row.key !== p.key || row.body !== canonical(p.op)) {
    throw new HttpError(409, 'IDEMPOTENCY_CONFLICT', `deviceSeq ${p.deviceSeq} was already pushed with another key or op`);
  }
  return row.seq !== null
    ? { deviceSeq: p.deviceSeq, key: p.key, status: 'applied', seq: String(row.seq) }
    : { deviceSeq: p.deviceSeq, key: p.key, status: 'rejected', reason: row.reason as RejectionReason, message: row.message ?? '' };
}

async function write(tx: Tx, device: Device, p: PendingOp, decided: Plan, seq: bigint | null): Promise<void> {
  const ledger = device.ledgerId;
  // Sent without waiting for each answer: postgres.js pipelines them on the transaction's one connection,
  // in this order (so every foreign key finds its row), and one round trip carries them all.
  const statements: Promise<unknown>[] = [];
  if (decided.ok) {
    for (const a of decided.create) statements.push(tx`INSERT INTO account (ledger_id, kind, ref, balance) VALUES (${ledger}, ${a.kind}, ${a.ref}, 0)`);
    if (decided.newGame) statements.push(tx`INSERT INTO game (ledger_id, id) VALUES (${ledger}, ${decided.newGame})`);
  }
  statements.push(tx`INSERT INTO op (ledger_id, device_id, device_seq, key, kind, game, body, seq, reason, message)
    VALUES (${ledger}, ${device.id}, ${p.deviceSeq}, ${p.key}, ${p.op.type}, ${gameOf(p.op)}, ${canonical(p.op)}, ${seq},
            ${decided.ok ? null : decided.reason}, ${decided.ok ? null : decided.message})`);
  if (decided.ok) {
    for (const m of decided.moves) {
      statements.push(tx`INSERT INTO entry (ledger_id, seq, kind, ref, amount) VALUES (${ledger}, ${seq}, ${m.kind}, ${m.ref}, ${m.amount})`);
      statements.push(tx`UPDATE account SET balance = ${m.before + m.amount} WHERE ledger_id = ${ledger} AND kind = ${m.kind} AND ref = ${m.ref}`);
    }
    if (decided.settles) statements.push(tx`UPDATE game SET status = 'settled' WHERE ledger_id = ${ledger} AND id = ${decided.settles}`);
  }
  await Promise.all(statements);
}

/** Applies a device's pushed ops (already validated against the protocol) and answers with each outcome. */
export async function push(sql: Sql, device: Device, ops: PendingOp[], options: { isolation?: Isolation; notify?: boolean } = {}): Promise<PushAnswer> {
  return transact(
    sql,
    async (tx) => {
      // The head row is the ledger's write lock: writers of one ledger queue here, other ledgers run on.
      const [ledger] = await tx<{ head: bigint }[]>`SELECT head FROM ledger WHERE id = ${device.ledgerId} FOR UPDATE`;
      const [self] = await tx<{ last_seq: bigint; role: Device['role'] }[]>`SELECT last_seq, role FROM device WHERE id = ${device.id}`;
      if (!ledger || !self) throw new HttpError(401, 'UNAUTHORIZED', 'the device or its ledger is gone');
      let head = ledger.head;
      let last = self.last_seq;
      const results: PushResult[] = [];
      for (const p of ops) {
        const n = BigInt(p.deviceSeq);
        if (n <= last) {
          results.push(await earlier(tx, device, p));
          continue;
        }
        if (n !== last + 1n) {
          throw new HttpError(409, 'SEQUENCE_GAP', `expected deviceSeq ${last + 1n}, got ${p.deviceSeq}`, { expectedDeviceSeq: Number(last + 1n) });
        }
        const [taken] = await tx`SELECT 1 FROM op WHERE ledger_id = ${device.ledgerId} AND key = ${p.key}`;
        if (taken) throw new HttpError(409, 'IDEMPOTENCY_CONFLICT', `key ${p.key} was already used for another op`);
        // The role is read inside the transaction: a role just revoked cannot mint.
        const decided = await plan(tx, device.ledgerId, self.role, p.op);
        const seq = decided.ok ? ++head : null;
        await write(tx, device, p, decided, seq);
        last = n;
        results.push(
          decided.ok
            ? { deviceSeq: p.deviceSeq, key: p.key, status: 'applied', seq: String(seq) }
            : { deviceSeq: p.deviceSeq, key: p.key, status: 'rejected', reason: decided.reason, message: decided.message },
        );
      }
      if (last !== self.last_seq) await tx`UPDATE device SET last_seq = ${last} WHERE id = ${device.id}`;
      if (head !== ledger.head) {
        await tx`UPDATE ledger SET head = ${head} WHERE id = ${device.ledgerId}`;
        // Delivered only if the transaction commits; wakes long-polls on every server instance.
        if (options.notify !== false) await tx`SELECT pg_notify(${CHANNEL}, ${device.ledgerId})`;
      }
      return { results, head: String(head) };
    },
    options.isolation ? { isolation: options.isolation } : {},
  );
}

/** The ledger's head: the seq of its newest applied op ("0" when none). */
export async function head(sql: Sql, ledgerId: string): Promise<bigint> {
  const [row] = await sql<{ head: bigint }[]>`SELECT head FROM ledger WHERE id = ${ledgerId}`;
  return row?.head ?? 0n;
}

/** Applied ops with seq after `after`, oldest first, at most `limit`. */
export async function pull(sql: Sql, ledgerId: string, after: bigint, limit: number): Promise<PullAnswer> {
  const rows = await sql<{ seq: bigint; key: string; device_id: string; device_seq: bigint; body: string; created_at: Date }[]>`
    SELECT seq, key, device_id, device_seq, body, created_at FROM op
    WHERE ledger_id = ${ledgerId} AND seq > ${after} ORDER BY seq LIMIT ${limit + 1}`;
  const ops: LogOp[] = rows.slice(0, limit).map((r) => ({
    seq: String(r.seq),
    key: r.key,
    deviceId: r.device_id,
    deviceSeq: Number(r.device_seq),
    op: JSON.parse(r.body) as Op,
    at: r.created_at.toISOString(),
  }));
  return { ops, head: String(await head(sql, ledgerId)), more: rows.length > limit };
}
