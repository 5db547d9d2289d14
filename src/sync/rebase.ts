/**
 * Rebase: the device's books are the canonical log (kept in `sync_log`)
 * replayed in seq order, plus the ops still in the outbox re-applied in
 * device order. A pull stores the new canonical ops and brings the books to
 * that shape in the one SQLite transaction it runs in, taking the cheapest
 * path that is exact:
 *
 *   prefix   the new ops are our oldest pending ones, in order: the books
 *            already are log + pending, so only the outbox shrinks;
 *   on-top   nothing is pending: the new ops apply on top of the books;
 *   rebuilt  anything else: the ledger tables are emptied, the whole log is
 *            replayed, and the pending ops are re-applied.
 *
 * A pending op that no longer applies (another device spent first) stays
 * queued, out of the books, marked `in_books = 0`: only the server decides
 * that it is rejected.
 */
import { StoreError } from '../shared/errors';
import type { Sql } from '../shared/types';
import { applyLocal } from './apply-local';
import type { PulledReport } from './device-types';
import type { LogOp, Op } from './protocol';

const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

interface Pending {
  deviceSeq: number;
  key: string;
  op: Op;
  inBooks: boolean;
}

function pending(e: Sql): Pending[] {
  return e.query(`SELECT device_seq, key, op, in_books FROM sync_outbox ORDER BY device_seq`).map((r) => ({
    deviceSeq: r.device_seq as number,
    key: r.key as string,
    op: JSON.parse(r.op as string) as Op,
    inBooks: r.in_books === 1,
  }));
}

/** Empties the books: every player, game (its rolls too), operation and entry; the house back at zero. */
function wipe(e: Sql): void {
  e.run(`DELETE FROM roll; DELETE FROM entry; DELETE FROM operation; DELETE FROM game; DELETE FROM account WHERE kind <> 'house';
         UPDATE account SET balance = 0 WHERE kind = 'house'`);
}

function replayLog(e: Sql): void {
  for (const row of e.query(`SELECT seq, key, op FROM sync_log ORDER BY seq`)) {
    try {
      applyLocal(e, JSON.parse(row.op as string) as Op, row.key as string);
    } catch (error) {
      // The server applied it to the same books: failing here is a bug, never a choice to make quietly.
      throw new StoreError('INTERNAL', `the canonical log does not replay at seq ${String(row.seq)}: ${(error as Error).message}`, { cause: error });
    }
  }
}

/**
 * Rebuilds the books as log + pending. Each pending op that fails is marked
 * out of the books and the rebuild starts over without it, so a failed op
 * never leaves half its writes behind (the worker's Sql has no savepoints).
 */
export function rebuild(e: Sql): void {
  const queue = pending(e);
  const out = new Set<number>();
  for (;;) {
    wipe(e);
    replayLog(e);
    let failed: number | undefined;
    for (const p of queue) {
      if (out.has(p.deviceSeq)) continue;
      try {
        applyLocal(e, p.op, p.key);
      } catch {
        failed = p.deviceSeq;
        break;
      }
    }
    if (failed === undefined) break;
    out.add(failed);
  }
  for (const p of queue) {
    const inBooks = !out.has(p.deviceSeq);
    if (inBooks !== p.inBooks) e.run(`UPDATE sync_outbox SET in_books = ? WHERE device_seq = ?`, [inBooks ? 1 : 0, p.deviceSeq]);
  }
}

/** Takes in canonical ops after the cursor (a pull's answer) and rebases the books on them. */
export function pulled(e: Sql, ops: LogOp[]): PulledReport {
  const cursorRow = e.query(`SELECT cursor FROM sync_state`)[0];
  if (!cursorRow) throw new StoreError('NOT_FOUND', 'this ledger is not shared');
  let cursor = BigInt(cursorRow.cursor as number | bigint);
  const fresh = ops.filter((o) => BigInt(o.seq) > cursor).sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
  fresh.forEach((o, i) => {
    if (BigInt(o.seq) !== cursor + BigInt(i) + 1n) throw new StoreError('INVALID_ARGUMENT', `the pulled log skips from seq ${cursor + BigInt(i)} to ${o.seq}`);
  });
  let path: PulledReport['path'] = 'none';
  if (fresh.length > 0) {
    const queue = pending(e);
    for (const o of fresh) {
      e.run(`INSERT INTO sync_log (seq, key, device_id, device_seq, op, at) VALUES (?, ?, ?, ?, ?, ?)`, [BigInt(o.seq), o.key, o.deviceId, o.deviceSeq, JSON.stringify(o.op), o.at]);
      e.run(`DELETE FROM sync_outbox WHERE key = ?`, [o.key]);
    }
    const prefix = queue.every((p) => p.inBooks) && fresh.length <= queue.length && fresh.every((o, i) => o.key === queue[i]!.key);
    if (prefix) path = 'prefix';
    else if (queue.length === 0) path = onTop(e, fresh) ? 'on-top' : 'rebuilt';
    else (rebuild(e), (path = 'rebuilt'));
    cursor = BigInt(fresh.at(-1)!.seq);
  }
  e.run(`UPDATE sync_state SET cursor = ?, last_sync_at = ${NOW}`, [cursor]);
  return { cursor: String(cursor), path };
}

/** Applies canonical ops on top of books that are exactly the log so far; false (after a rebuild) if one did not apply. */
function onTop(e: Sql, fresh: LogOp[]): boolean {
  try {
    for (const o of fresh) applyLocal(e, o.op, o.key);
    return true;
  } catch {
    // Half-applied writes are wiped by the rebuild, which replays the whole log (and fails loudly if that fails).
    rebuild(e);
    return false;
  }
}
