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
