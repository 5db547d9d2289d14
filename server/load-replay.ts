/**
 * The load test's last check: a ledger's canonical log, replayed into a
 * fresh local ledger exactly as a device would hold it (sql.js and the
 * ledger of src/ledger), must apply op for op and end with the server's
 * balances and a clean local audit.
 */
import initSqlJs from 'sql.js';
import { ledgerOps } from '../src/ledger/operations';
import { LEDGER_MIGRATIONS } from '../src/ledger/schema';
import { applyLocal } from '../src/sync/apply-local';
import type { LogOp } from '../src/sync/protocol';
import { Engine } from '../src/worker/sql/engine';
import { checkMigrations, migrate } from '../src/worker/features/migrations';
import { asSqlJs, type SqlJs } from '../src/worker/sql/sqljs';
import type { Sql } from './db';

let sqljs: Promise<SqlJs> | undefined;

/** Problems found replaying `log` (none when the device's books would equal the server's). */
export async function replayCheck(sql: Sql, ledgerId: string, log: LogOp[]): Promise<string[]> {
  const e = new Engine(await (sqljs ??= initSqlJs().then(asSqlJs)));
  const commitOpen = async () => (e.pending(1), e.commit());
  await migrate({ engine: () => e, commitOpen, checkpoint: async () => {} }, await checkMigrations(LEDGER_MIGRATIONS), LEDGER_MIGRATIONS.at(-1)!.version);
  const problems: string[] = [];
  for (const l of log) {
    e.begin();
    try {
      applyLocal(e, l.op, l.key);
      e.pending(1);
      e.commit();
    } catch (error) {
      e.rollback();
      problems.push(`ledger ${ledgerId} seq ${l.seq}: the local ledger refused what the server applied: ${(error as Error).message}`);
    }
  }
  const local = ledgerOps.audit(e);
  if (!local.ok) problems.push(`ledger ${ledgerId}: local audit after replay: ${local.problems.join('; ')}`);
  const rows = await sql<{ kind: string; ref: string; balance: bigint }[]>`SELECT kind, ref, balance FROM account WHERE ledger_id = ${ledgerId}`;
  for (const r of rows) {
    const [row] = e.query(`SELECT balance FROM account WHERE kind = ? AND ref = ?`, [r.kind, r.ref]);
    const mine = row === undefined ? undefined : BigInt(row.balance as number | bigint);
    if (mine !== r.balance) problems.push(`ledger ${ledgerId}: ${r.kind} ${r.ref} is ${r.balance} on the server, ${mine} after replay`);
  }
  e.close();
  return problems;
}
