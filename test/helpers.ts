import initSqlJs from 'sql.js';
import { LEDGER_MIGRATIONS } from '../src/ledger/schema';
import { checkMigrations, migrate, type MigrationSteps } from '../src/worker/features/migrations';
import { Engine } from '../src/worker/sql/engine';
import { asSqlJs, type SqlJs } from '../src/worker/sql/sqljs';

let sql: Promise<SqlJs> | undefined;

/** sql.js for Node, loaded once per test file. */
export function loadSql(): Promise<SqlJs> {
  return (sql ??= initSqlJs().then(asSqlJs));
}

/** What `migrate` needs to run migrations on `e` as the worker does, without the checkpoint (nothing to keep in Node). */
export function migrationSteps(e: Engine): MigrationSteps {
  return { engine: () => e, commitOpen: async () => (e.pending(1), e.commit()), checkpoint: async () => {} };
}

/** An engine holding the BitCraps ledger at its newest schema (or the given image as it is). */
export async function ledgerEngine(image?: Uint8Array): Promise<Engine> {
  const e = new Engine(await loadSql(), image);
  if (!image) await migrate(migrationSteps(e), await checkMigrations(LEDGER_MIGRATIONS), LEDGER_MIGRATIONS.at(-1)!.version);
  return e;
}

/** Runs `fn` in one engine transaction and commits it in memory, returning what it would persist. */
export function inTx(engine: Engine, seq: number, fn: (e: Engine) => void) {
  engine.begin();
  try {
    fn(engine);
  } catch (error) {
    engine.rollback();
    throw error;
  }
  const pending = engine.pending(seq);
  engine.commit();
  return pending;
}

/** Every table's rows with their storage classes, for comparing two databases exactly. */
export function dump(engine: Engine): string {
  const tables = engine.query(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`);
  const out: unknown[] = [];
  for (const { name } of tables) {
    const cols = engine.query(`SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0`, [name as string]).map((r) => `"${r.name}"`);
    const typed = cols.map((c) => `typeof(${c}) AS "t:${c.slice(1, -1)}", ${c}`).join(', ');
    const rows = engine.query(`SELECT ${typed} FROM "${name}"`).map((r) => JSON.stringify(r, plain));
    out.push(name, rows.sort());
  }
  return JSON.stringify(out);
}

function plain(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Array.from(v) : v;
}
