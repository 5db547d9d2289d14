/**
 * What makes a forwarded write happen at most once (forwarding.ts).
 *
 * A tab that hands its write to the tab holding the write lock cannot
 * always hear how it went: the writing tab may die between its durable
 * commit and its answer. So the write's id goes into the store, in the same
 * SQLite transaction as the write itself: the row commits with the write or
 * not at all, on every path a commit takes (the log, a snapshot, another
 * tab's replay, a backup). Whoever runs the write, the writing tab or the
 * sender itself after the writer is gone, runs it through `once`: an id
 * already in the table means the write committed, and its recorded result
 * is the answer. The id is the table's primary key, so even a race this
 * design does not foresee fails with a constraint error rather than
 * applying a write twice.
 */
import type { Sql, SqlValue } from '../../shared/types';
import { OUTCOMES_TABLE } from '../sql/internal-tables';

/** How long an outcome is kept: far longer than any sender waits for its answer (it waits only while the writer lives). */
const KEEP_MS = 24 * 60 * 60 * 1000;
/** Every PRUNE_EVERY recorded outcomes, up to PRUNE_ROWS of the oldest expired ones go. */
const PRUNE_EVERY = 64;
const PRUNE_ROWS = 256;

let recorded = 0;

/** Thrown by `once` when the record is required and the store keeps none: the write could not run exactly once. */
export class NoRecord extends Error {}

/** The result of a forwarded write, as it is kept: JSON, with bigints (ledger amounts, large rowids) tagged. */
function encodeResult(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value, (_key, v: unknown) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v));
}

function decodeResult(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && typeof (v as { $bigint?: unknown }).$bigint === 'string' && Object.keys(v).length === 1 ? BigInt((v as { $bigint: string }).$bigint) : v,
  );
}

/** Whether the store keeps the record: it has the table (every store whose schema was written since forwarding exists). */
export function keepsOutcomes(sql: Sql): boolean {
  return sql.query(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?`, [OUTCOMES_TABLE]).length > 0;
}

/**
 * Adds the table inside a commit that is a snapshot anyway (a schema
 * change, a migration, a store's first commit): created in a commit of its
 * own, it would cost a snapshot, and every other tab a full reload.
 */
export function addOutcomesTable(sql: Sql): void {
  if (!keepsOutcomes(sql)) sql.run(`CREATE TABLE ${OUTCOMES_TABLE} (id TEXT PRIMARY KEY, result TEXT NOT NULL, at INTEGER NOT NULL)`);
}

function lookUp(sql: Sql, id: string): { result: unknown } | undefined {
  const row = sql.query(`SELECT result FROM ${OUTCOMES_TABLE} WHERE id = ?`, [id])[0];
  return row ? { result: decodeResult(String(row.result as SqlValue)) } : undefined;
}

/**
 * Runs write `id` inside the open transaction unless it already committed:
 * then its recorded result comes back and nothing is written. Otherwise the
 * write runs, and its id and result are recorded beside it. Where the store
 * keeps no record, no write was ever handed over (the writer refuses them
 * there), so a write the sender runs itself needs none; the writer, which
 * needs one, says so (`required`: `NoRecord` is thrown before anything
 * runs). `replayed` tells which happened.
 */
export function once<T>(sql: Sql, id: string, run: () => T, options: { required?: boolean } = {}): { result: T; replayed: boolean } {
  const kept = keepsOutcomes(sql);
  if (!kept && options.required) throw new NoRecord();
  const prior = kept ? lookUp(sql, id) : undefined;
  if (prior) return { result: prior.result as T, replayed: true };
  const result = run();
  if (!kept) return { result, replayed: false };
  const now = Date.now();
  sql.run(`INSERT INTO ${OUTCOMES_TABLE} (id, result, at) VALUES (?, ?, ?)`, [id, encodeResult(result), now]);
  // Oldest first (rowids grow with inserts), a bounded few at a time: no scan, no index to keep.
  if (++recorded % PRUNE_EVERY === 0) {
    sql.run(`DELETE FROM ${OUTCOMES_TABLE} WHERE rowid IN (SELECT rowid FROM ${OUTCOMES_TABLE} ORDER BY rowid LIMIT ${PRUNE_ROWS}) AND at < ?`, [now - KEEP_MS]);
  }
  return { result, replayed: false };
}
