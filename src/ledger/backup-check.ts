/**
 * The ledger's part of backup verification: a backup of a ledger is
 * restored only if its books balance. It applies to stores whose code
 * declares the ledger's migrations (stores opened with `openLedger`), never
 * to a store that merely has tables of the same names.
 */
import type { Migration } from '../shared/types';
import { audit } from './audit';
import { LEDGER_MIGRATIONS } from './schema';

/** The check the worker registers (see worker/backup-checks.ts). */
export const ledgerBackupCheck = {
  appliesTo(known: readonly Migration[]): boolean {
    return LEDGER_MIGRATIONS.every((m, i) => known[i]?.version === m.version && known[i]?.up === m.up);
  },
  inspect(sql: Parameters<typeof audit>[0]): { refusal?: string; facts: Record<string, string> } {
    const report = audit(sql);
    const facts = { totalSupply: report.totalSupply.toString() };
    return report.ok ? { facts } : { refusal: `its ledger does not balance: ${report.problems[0]}`, facts };
  },
};
