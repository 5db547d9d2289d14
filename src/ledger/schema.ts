/**
 * The BitCraps ledger's schema, as migrations. Double entry: every
 * operation writes entries that sum to zero; an account's cached balance is
 * the sum of its entries. The house account absorbs minting (opening
 * balances, adjustments) so total supply is always explained; each game
 * escrows bets in a pot account until it is settled.
 */
import type { Migration } from '../shared/types';

export const LEDGER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'bitcraps ledger',
    up: `
      CREATE TABLE account (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('house', 'player', 'pot')),
        ref TEXT NOT NULL CHECK (length(ref) BETWEEN 1 AND 128),
        balance INTEGER NOT NULL,
        CHECK (kind = 'house' OR balance >= 0),
        UNIQUE (kind, ref)
      ) STRICT;
      INSERT INTO account (kind, ref, balance) VALUES ('house', 'house', 0);

      CREATE TABLE game (
        id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
        pot INTEGER NOT NULL UNIQUE REFERENCES account (id),
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'settled')),
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE operation (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('open', 'adjust', 'transfer', 'bet', 'settle')),
        game TEXT REFERENCES game (id),
        idempotency_key TEXT UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 256),
        request TEXT,
        created_at TEXT NOT NULL,
        CHECK (kind NOT IN ('bet', 'settle') OR game IS NOT NULL)
      ) STRICT;

      CREATE TABLE entry (
        id INTEGER PRIMARY KEY,
        operation TEXT NOT NULL REFERENCES operation (id),
        account INTEGER NOT NULL REFERENCES account (id),
        amount INTEGER NOT NULL CHECK (amount <> 0)
      ) STRICT;
      CREATE INDEX entry_by_account ON entry (account, id);
      CREATE INDEX entry_by_operation ON entry (operation);
    `,
  },
  {
    // What a game needs to be resumed on any device, not only where its round began: each bet's
    // wager (what it is on: 'pass', 'dontPass' at the craps table) and the dice rolled, in order.
    // Open games are listed by status, so they get an index.
    version: 2,
    name: 'wagers and rolls',
    up: `
      ALTER TABLE operation ADD COLUMN wager TEXT CHECK (wager IS NULL OR (kind = 'bet' AND length(wager) BETWEEN 1 AND 32));
      CREATE TABLE roll (
        game TEXT NOT NULL REFERENCES game (id),
        n INTEGER NOT NULL CHECK (n >= 1),
        die1 INTEGER NOT NULL CHECK (die1 BETWEEN 1 AND 6),
        die2 INTEGER NOT NULL CHECK (die2 BETWEEN 1 AND 6),
        created_at TEXT NOT NULL,
        PRIMARY KEY (game, n)
      ) STRICT;
      CREATE INDEX game_by_status ON game (status, created_at);
    `,
  },
  {
    // Sync (src/sync/): empty and untouched until the ledger joins a shared one, so a ledger that
    // never syncs pays nothing. Here rather than created on joining, so backups and migrations know it.
    version: 3,
    name: 'sync outbox and canonical log',
    up: `
      CREATE TABLE sync_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        server_url TEXT NOT NULL,
        ledger_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        device_token TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('owner', 'member')),
        cursor INTEGER NOT NULL DEFAULT 0 CHECK (cursor >= 0),
        next_device_seq INTEGER NOT NULL DEFAULT 1 CHECK (next_device_seq >= 1),
        last_sync_at TEXT
      ) STRICT;

      CREATE TABLE sync_log (
        seq INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        device_id TEXT NOT NULL,
        device_seq INTEGER NOT NULL,
        op TEXT NOT NULL,
        at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE sync_outbox (
        device_seq INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        op TEXT NOT NULL,
        in_books INTEGER NOT NULL DEFAULT 1 CHECK (in_books IN (0, 1)),
        seq INTEGER,
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE sync_rejection (
        device_seq INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        op TEXT NOT NULL,
        reason TEXT NOT NULL,
        message TEXT NOT NULL,
        at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    // The books' sums (the audit, run on every restore; a player's totals) read every entry's amount.
    // Indexes that carry it answer those sums alone: without, SQLite looked up each entry's row, and
    // summing a million entries by account took ten times as long. The history keeps its order (account, id).
    version: 4,
    name: 'entry indexes carry amounts',
    up: `
      DROP INDEX entry_by_account;
      DROP INDEX entry_by_operation;
      CREATE INDEX entry_by_account ON entry (account, id, amount);
      CREATE INDEX entry_by_operation ON entry (operation, amount);
    `,
    down: `
      DROP INDEX entry_by_account;
      DROP INDEX entry_by_operation;
      CREATE INDEX entry_by_account ON entry (account, id);
      CREATE INDEX entry_by_operation ON entry (operation);
    `,
  },
];

/** The lookups the API makes; shared with the test that checks each one uses an index. */
export const LOOKUPS = {
  balance: `SELECT id, balance FROM account WHERE kind = 'player' AND ref = ?`,
  history: `SELECT e.id, e.operation, o.kind, e.amount, o.game, o.created_at FROM entry e JOIN operation o ON o.id = e.operation
            WHERE e.account = ? AND e.id < ? ORDER BY e.id DESC LIMIT ?`,
  idempotency: `SELECT id, request FROM operation WHERE idempotency_key = ?`,
  game: `SELECT g.pot, g.status, g.created_at, a.balance FROM game g JOIN account a ON a.id = g.pot WHERE g.id = ?`,
  openGames: `SELECT id FROM game WHERE status = 'open' ORDER BY created_at, rowid`,
  rolls: `SELECT die1, die2 FROM roll WHERE game = ? ORDER BY n`,
  players: `SELECT ref AS id, balance FROM account WHERE kind = 'player' ORDER BY ref`,
  // A bet credits the pot and debits one player: find the pot's bet entries, then each one's other side.
  bets: `SELECT o.id, pa.ref AS player, ge.amount, o.wager, o.created_at FROM game g JOIN entry ge ON ge.account = g.pot
         JOIN operation o ON o.id = ge.operation JOIN entry pe ON pe.operation = o.id AND pe.account <> g.pot
         JOIN account pa ON pa.id = pe.account WHERE g.id = ? AND o.kind = 'bet' ORDER BY ge.id`,
} as const;
