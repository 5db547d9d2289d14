/**
 * The ledger-shaped workloads, defined once so every contender does the same
 * logical work: the same players, the same prefilled operations and journal
 * entries, the same transfer (read payer and payee, insert one operation,
 * two entries, two balance updates, in one durable transaction).
 */
import { LEDGER_MIGRATIONS } from '../src/ledger/schema';

/** Players in every ledger; account ids are 2..PLAYERS+1 (1 is the house). */
export const PLAYERS = 1000;
export const OPENING_BALANCE = 1_000_000_000_000;
/** Measured: one prefilled operation (1 operation row + 2 entries, with indexes) is about this many bytes of SQLite file. */
export const BYTES_PER_OP = 390;
/** Operations per fill transaction (about 5 MB each). */
export const FILL_CHUNK = 15_000;

/** The ledger's tables (migration 1), with its newest indexes on `entry` (migration 4: they carry the amounts). */
export const SCHEMA_SQL = [1, 4].map((v) => LEDGER_MIGRATIONS.find((m) => m.version === v)!.up).join('\n');

export const playerRef = (i: number): string => `p${i}`;
export const accountId = (i: number): number => 2 + i;

/** The i-th prefilled operation, identical for every contender. */
export function fillOp(i: number): { id: string; request: string; debit: number; credit: number; amount: number } {
  const debit = (i * 7919) % PLAYERS;
  let credit = (i * 104729 + 1) % PLAYERS;
  if (credit === debit) credit = (credit + 1) % PLAYERS;
  const amount = (i % 1000) + 1;
  return { id: `f${String(i).padStart(31, '0')}`, request: `["transfer","p${debit}","p${credit}","${amount}"]`, debit, credit, amount };
}

export const FILL_TIME = '2025-01-01T00:00:00.000Z';

/**
 * SQL creating the players (run once after the schema), with their opening
 * balances minted by the house in one 'open' operation, so the books balance
 * (Pacioli's restore audits them).
 */
export function playersSql(): string {
  return `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${PLAYERS})
      INSERT INTO account (kind, ref, balance) SELECT 'player', 'p' || i, ${OPENING_BALANCE} FROM n;
    INSERT INTO operation (id, kind, request, created_at) VALUES ('opening', 'open', NULL, '${FILL_TIME}');
    INSERT INTO entry (operation, account, amount) SELECT 'opening', id, balance FROM account WHERE kind = 'player';
    INSERT INTO entry (operation, account, amount) VALUES ('opening', 1, -${PLAYERS * OPENING_BALANCE});
    UPDATE account SET balance = -${PLAYERS * OPENING_BALANCE} WHERE kind = 'house';`;
}

/** SQL inserting prefilled operations [from, to) exactly as `fillOp` describes them. */
export function fillSql(from: number, to: number): string {
  const debit = `((i * 7919) % ${PLAYERS})`;
  const credit0 = `((i * 104729 + 1) % ${PLAYERS})`;
  const credit = `(CASE WHEN ${credit0} = ${debit} THEN (${credit0} + 1) % ${PLAYERS} ELSE ${credit0} END)`;
  const amount = `((i % 1000) + 1)`;
  return `
    WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${to})
    INSERT INTO operation (id, kind, request, created_at)
      SELECT printf('f%031d', i), 'transfer', '["transfer","p' || ${debit} || '","p' || ${credit} || '","' || ${amount} || '"]', '${FILL_TIME}' FROM n;
    WITH RECURSIVE n(j) AS (SELECT ${from * 2} UNION ALL SELECT j + 1 FROM n WHERE j + 1 < ${to * 2}),
      m(i, side) AS (SELECT j / 2, j % 2 FROM n)
    INSERT INTO entry (operation, account, amount)
      SELECT printf('f%031d', i), 2 + (CASE side WHEN 0 THEN ${debit} ELSE ${credit} END), CASE side WHEN 0 THEN -${amount} ELSE ${amount} END FROM m;
    UPDATE account SET balance = (SELECT sum(amount) FROM entry WHERE entry.account = account.id) WHERE kind = 'player';`;
}

/** The rows of the k-th bulk import: [account, amount] pairs, generated on the page. */
export function importRows(k: number, rows: number): [number, number][] {
  const out: [number, number][] = new Array(rows);
  for (let r = 0; r < rows; r++) {
    const x = (k * rows + r) * 2654435761;
    out[r] = [2 + (x >>> 0) % PLAYERS, r % 2 === 0 ? -((r % 997) + 1) : (r % 991) + 1];
  }
  return out;
}

export const importOpId = (k: number): string => `import-${k}`;

export const SQL = {
  player: `SELECT id, balance FROM account WHERE kind = 'player' AND ref = ?`,
  operation: `INSERT INTO operation (id, kind, game, idempotency_key, request, created_at) VALUES (?, 'transfer', NULL, NULL, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
  entry: `INSERT INTO entry (operation, account, amount) VALUES (?, ?, ?)`,
  setBalance: `UPDATE account SET balance = ? WHERE id = ?`,
  balance: `SELECT balance FROM account WHERE kind = 'player' AND ref = ?`,
  importOp: `INSERT INTO operation (id, kind, request, created_at) VALUES (?, 'adjust', NULL, '${FILL_TIME}')`,
  importEntries: `INSERT INTO entry (operation, account, amount) SELECT ?, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)`,
  totals: `SELECT account, sum(amount) AS total FROM entry GROUP BY account`,
  last50: `SELECT id, operation, amount FROM entry WHERE account = ? ORDER BY id DESC LIMIT 50`,
  size: `SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()`,
} as const;

export function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Messages to the SQL worker (wa-sqlite and sql.js contenders). */
export type SqlEngine = 'wa-batch' | 'wa-mirror' | 'wa-opfs' | 'sqlite-wasm' | 'pglite' | 'sqljs-naive' | 'sqljs-memory';
export type WorkerRequest =
  | { op: 'open'; engine: SqlEngine; name: string; synchronous: 'full' | 'normal' }
  | { op: 'exec'; from: number; to: number }
  | { op: 'transfer'; from: string; to: string; amount: number }
  | { op: 'balance'; ref: string }
  | { op: 'import'; opId: string; json: string }
  | { op: 'totals' }
  | { op: 'last50'; account: number }
  | { op: 'size' }
  | { op: 'ping' }
  | { op: 'opfs-open' }
  | { op: 'opfs-put' }
  | { op: 'close' };
