/**
 * The server's PostgreSQL schema, as ordered migrations (the client keeps its
 * own in src/ledger/schema.ts). Every table is keyed by ledger_id first, so a
 * ledger's rows stay together: the distribution column on Citus, the range
 * prefix on CockroachDB and YugabyteDB. No sequences or serials: a ledger's
 * `head` row numbers its log, which also serialises the ledger's writers.
 */

/** One server migration. `up` runs in one transaction with its bookkeeping row. */
export interface ServerMigration {
  version: number;
  name: string;
  up: string;
}

/** The migrations, oldest first. Never edit an applied one: add the next. */
export const SERVER_MIGRATIONS: readonly ServerMigration[] = [
  {
    version: 1,
    name: 'shared ledgers, devices, canonical op log, double-entry books',
    up: `
      CREATE TABLE ledger (
        id uuid PRIMARY KEY,
        head bigint NOT NULL DEFAULT 0 CHECK (head >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      );

      -- A device's bearer token is stored only as its SHA-256: a 256-bit random
      -- secret needs no slow hash, and the hash is the lookup key.
      CREATE TABLE device (
        id uuid PRIMARY KEY,
        ledger_id uuid NOT NULL REFERENCES ledger (id),
        token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
        role text NOT NULL CHECK (role IN ('owner', 'member')),
        last_seq bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX device_by_ledger ON device (ledger_id);

      CREATE TABLE invite (
        token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
        ledger_id uuid NOT NULL REFERENCES ledger (id),
        role text NOT NULL CHECK (role IN ('owner', 'member')),
        created_by uuid NOT NULL REFERENCES device (id),
        expires_at timestamptz NOT NULL,
        used_by uuid REFERENCES device (id)
      );

      CREATE TABLE account (
        ledger_id uuid NOT NULL REFERENCES ledger (id),
        kind text NOT NULL CHECK (kind IN ('house', 'player', 'pot')),
        ref text NOT NULL CHECK (char_length(ref) BETWEEN 1 AND 128),
        balance bigint NOT NULL,
        -- The house is minus the total supply, which must itself fit in 64 bits.
        CHECK (kind = 'house' OR balance >= 0),
        CHECK (balance >= -9223372036854775807),
        PRIMARY KEY (ledger_id, kind, ref)
      );

      CREATE TABLE game (
        ledger_id uuid NOT NULL,
        id text NOT NULL,
        pot_kind text NOT NULL DEFAULT 'pot' CHECK (pot_kind = 'pot'),
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'settled')),
        PRIMARY KEY (ledger_id, id),
        FOREIGN KEY (ledger_id, pot_kind, id) REFERENCES account (ledger_id, kind, ref)
      );

      -- Every op a device pushed, applied (seq set: its place in the canonical
      -- log) or rejected (reason set). The key makes a retry find its outcome.
      CREATE TABLE op (
        ledger_id uuid NOT NULL REFERENCES ledger (id),
        device_id uuid NOT NULL REFERENCES device (id),
        device_seq bigint NOT NULL CHECK (device_seq > 0),
        key text NOT NULL CHECK (char_length(key) BETWEEN 8 AND 128),
        kind text NOT NULL CHECK (kind IN ('createPlayer', 'setBalance', 'transfer', 'createGame', 'recordBet', 'settleGame')),
        game text,
        body text NOT NULL,
        seq bigint CHECK (seq > 0),
        reason text,
        message text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((seq IS NULL) = (reason IS NOT NULL)),
        CHECK (kind NOT IN ('createGame', 'recordBet', 'settleGame') OR game IS NOT NULL),
        PRIMARY KEY (ledger_id, device_id, device_seq),
        UNIQUE (ledger_id, key),
        UNIQUE (ledger_id, seq)
      );

      CREATE TABLE entry (
        ledger_id uuid NOT NULL,
        seq bigint NOT NULL,
        kind text NOT NULL,
        ref text NOT NULL,
        amount bigint NOT NULL CHECK (amount <> 0),
        -- An op moves each account at most once.
        PRIMARY KEY (ledger_id, seq, kind, ref),
        FOREIGN KEY (ledger_id, seq) REFERENCES op (ledger_id, seq),
        FOREIGN KEY (ledger_id, kind, ref) REFERENCES account (ledger_id, kind, ref)
      );
      CREATE INDEX entry_by_account ON entry (ledger_id, kind, ref, seq);
    `,
  },
  {
    // The craps table's rolls travel as ops (no tokens move), so every device of a ledger
    // resolves a round from the same dice. (PostgreSQL named the column check op_kind_check.)
    version: 2,
    name: 'recordRoll ops',
    up: `
      ALTER TABLE op DROP CONSTRAINT op_kind_check;
      ALTER TABLE op ADD CONSTRAINT op_kind_check
        CHECK (kind IN ('createPlayer', 'setBalance', 'transfer', 'createGame', 'recordBet', 'recordRoll', 'settleGame'));
    `,
  },
];
