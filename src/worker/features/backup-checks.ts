/**
 * Checks a domain adds to backup verification. The store's own checks
 * (integrity, checksums, exact schema, foreign keys) know nothing of what
 * the rows mean; a domain that does (the ledger's books must balance)
 * registers a check here, and it runs only on backups of stores that use
 * its schema. Before this, the ledger's audit ran on any store that had
 * tables named `account` and `entry`, and refused a plain store's own backup.
 */
import type { Sql } from '../../shared/types';
import type { CheckedMigration } from './migrations';

/** A domain's check of a verified backup's content. */
export interface BackupCheck {
  /** Whether the store (known by the migrations its code declares) uses this domain's schema. */
  appliesTo(known: readonly CheckedMigration[]): boolean;
  /**
   * Reads the verified content: why the backup must be refused (undefined
   * when it is fine), and facts worth showing before a restore (decimal
   * strings, e.g. the ledger's total supply), taken from the rows themselves
   * rather than from what the manifest claims.
   */
  inspect(sql: Sql): { refusal?: string; facts?: Record<string, string> };
}

const checks: BackupCheck[] = [];

/** Adds a check to every later backup verification of this worker. */
export function registerBackupCheck(check: BackupCheck): void {
  if (!checks.includes(check)) checks.push(check);
}

/** The registered checks that apply to a store with these migrations. */
export function backupChecksFor(known: readonly CheckedMigration[]): BackupCheck[] {
  return checks.filter((c) => c.appliesTo(known));
}
