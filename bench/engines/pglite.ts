/**
 * PGlite (PostgreSQL in WASM) in the SQL worker, on its IndexedDB file
 * system (`idb://`, durability not relaxed): the ledger schema and
 * statements written for PostgreSQL. PGlite's `transaction()` does not
 * write its file system out at COMMIT (only a statement outside a
 * transaction does), so a transaction here ends with `syncToFs()`: done
 * then means the changed files are in IndexedDB, as `idb://` promises for
 * a single statement.
 */
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { FILL_TIME, OPENING_BALANCE, PLAYERS } from '../workload';
import type { Db, Dialect, Row } from './types';

const SCHEMA = `
  CREATE TABLE account (id BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('house', 'player', 'pot')),
    ref TEXT NOT NULL CHECK (length(ref) BETWEEN 1 AND 128), balance BIGINT NOT NULL, CHECK (kind = 'house' OR balance >= 0), UNIQUE (kind, ref));
  INSERT INTO account (kind, ref, balance) VALUES ('house', 'house', 0);
  CREATE TABLE game (id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128), pot BIGINT NOT NULL UNIQUE REFERENCES account (id),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'settled')), created_at TEXT NOT NULL);
  CREATE TABLE operation (id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('open', 'adjust', 'transfer', 'bet', 'settle')),
    game TEXT REFERENCES game (id), idempotency_key TEXT UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 256), request TEXT,
    created_at TEXT NOT NULL, CHECK (kind NOT IN ('bet', 'settle') OR game IS NOT NULL));
  CREATE TABLE entry (id BIGSERIAL PRIMARY KEY, operation TEXT NOT NULL REFERENCES operation (id),
    account BIGINT NOT NULL REFERENCES account (id), amount BIGINT NOT NULL CHECK (amount <> 0));
  CREATE INDEX entry_by_account ON entry (account, id, amount);
  CREATE INDEX entry_by_operation ON entry (operation, amount);`;

const PLAYERS_SQL = `
  INSERT INTO account (kind, ref, balance) SELECT 'player', 'p' || i, ${OPENING_BALANCE} FROM generate_series(0, ${PLAYERS - 1}) i ORDER BY i;
  INSERT INTO operation (id, kind, request, created_at) VALUES ('opening', 'open', NULL, '${FILL_TIME}');
  INSERT INTO entry (operation, account, amount) SELECT 'opening', id, balance FROM account WHERE kind = 'player' ORDER BY id;
  INSERT INTO entry (operation, account, amount) VALUES ('opening', 1, -${PLAYERS * OPENING_BALANCE});
  UPDATE account SET balance = -${PLAYERS * OPENING_BALANCE} WHERE kind = 'house';`;

/** The same prefilled operations as workload.ts's fillSql, in PostgreSQL. */
function fill(from: number, to: number): string {
  const d = `((i * 7919) % ${PLAYERS})`;
  const c0 = `((i * 104729 + 1) % ${PLAYERS})`;
  const c = `(CASE WHEN ${c0} = ${d} THEN (${c0} + 1) % ${PLAYERS} ELSE ${c0} END)`;
  const amt = `((i % 1000) + 1)`;
  return `
    INSERT INTO operation (id, kind, request, created_at)
      SELECT 'f' || lpad(i::text, 31, '0'), 'transfer', '["transfer","p' || ${d} || '","p' || ${c} || '","' || ${amt} || '"]', '${FILL_TIME}'
      FROM generate_series(${from}::bigint, ${to - 1}::bigint) i ORDER BY i;
    INSERT INTO entry (operation, account, amount)
      SELECT 'f' || lpad(i::text, 31, '0'), 2 + (CASE side WHEN 0 THEN ${d} ELSE ${c} END), CASE side WHEN 0 THEN -${amt} ELSE ${amt} END
      FROM (SELECT j / 2 AS i, j % 2 AS side FROM generate_series(${from * 2}::bigint, ${to * 2 - 1}::bigint) j) m ORDER BY i, side;
    UPDATE account SET balance = (SELECT sum(amount) FROM entry WHERE entry.account = account.id) WHERE kind = 'player';`;
}

export const POSTGRES: Dialect = {
  sql: {
    player: `SELECT id, balance FROM account WHERE kind = 'player' AND ref = $1`,
    operation: `INSERT INTO operation (id, kind, game, idempotency_key, request, created_at) VALUES ($1, 'transfer', NULL, NULL, $2, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`,
    entry: `INSERT INTO entry (operation, account, amount) VALUES ($1, $2, $3)`,
    setBalance: `UPDATE account SET balance = $1 WHERE id = $2`,
    balance: `SELECT balance FROM account WHERE kind = 'player' AND ref = $1`,
    importOp: `INSERT INTO operation (id, kind, request, created_at) VALUES ($1, 'adjust', NULL, '${FILL_TIME}')`,
    importEntries: `INSERT INTO entry (operation, account, amount) SELECT $1, (v->>0)::bigint, (v->>1)::bigint FROM jsonb_array_elements($2::jsonb) v`,
    totals: `SELECT account, sum(amount) AS total FROM entry GROUP BY account`,
    last50: `SELECT id, operation, amount FROM entry WHERE account = $1 ORDER BY id DESC LIMIT 50`,
    // The ledger's tables with their indexes (pg_database_size would add the ~8 MB catalog).
    size: `SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c WHERE c.relname IN ('account', 'game', 'operation', 'entry') AND c.relkind = 'r'`,
  },
  schema: SCHEMA,
  players: PLAYERS_SQL,
  fill,
  exists: `SELECT count(*) FROM pg_tables WHERE tablename = 'account'`,
};

export async function openPglite(name: string): Promise<Db> {
  const pg = await PGlite.create({ dataDir: `idb://${name}` });
  let tx: Transaction | undefined;
  return {
    dialect: POSTGRES,
    config: `PGlite 0.5.16 (PostgreSQL in WASM) in a dedicated worker, dataDir idb:// (emscripten IDBFS, relaxedDurability off); a transfer is one pg.transaction() then syncToFs()`,
    async exec(sql) {
      await pg.exec(sql);
    },
    async all(sql, params) {
      const r = await (tx ?? pg).query<Row>(sql, params, { rowMode: 'array' });
      return r.rows;
    },
    async transaction(fn) {
      await pg.transaction(async (t) => {
        tx = t;
        try {
          await fn();
        } finally {
          tx = undefined;
        }
      });
      await pg.syncToFs();
    },
    async afterCommit() {},
    async size() {
      return Number((await pg.query<Row>(POSTGRES.sql.size, [], { rowMode: 'array' })).rows[0]![0]);
    },
    async close() {
      await pg.close();
    },
  };
}
