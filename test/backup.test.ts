import { describe, expect, it } from 'vitest';
import { ledgerOps } from '../src/ledger/operations';
import { LEDGER_MIGRATIONS } from '../src/ledger/schema';
import type { Migration } from '../src/shared/types';
import { buildBackup, migrationSchema, verifyBackup } from '../src/worker/features/backup-file';
import { Engine } from '../src/worker/sql/engine';
import { checkMigrations, migrate } from '../src/worker/features/migrations';
import { inTx, loadSql, migrationSteps } from './helpers';
import { ledgerBackupCheck } from '../src/ledger/backup-check';
import { registerBackupCheck } from '../src/worker/features/backup-checks';

// As the worker entry does: the ledger's audit is part of verifying a ledger's backups.
registerBackupCheck(ledgerBackupCheck);

async function ledger(migrations: readonly Migration[] = LEDGER_MIGRATIONS) {
  const sql = await loadSql();
  const known = await checkMigrations(migrations);
  const e = new Engine(sql);
  await migrate(migrationSteps(e), known, known.at(-1)!.version);
  inTx(e, 1, (e) => (ledgerOps.createPlayer(e, 'alice', 500n), ledgerOps.createPlayer(e, 'bob', 2n ** 62n)));
  return { sql, known, e, backup: await buildBackup(sql, e.export(), 'books') };
}

const verify = async (data: Uint8Array, migrations: readonly Migration[] = LEDGER_MIGRATIONS) => {
  const sql = await loadSql();
  const known = await checkMigrations(migrations);
  return verifyBackup(sql, data, known, (v) => migrationSchema(sql, known, v));
};

/** Rewrites a backup through SQL, keeping its manifest as it was: its checksums no longer match. */
async function tampered(backup: Uint8Array, sqlText: string): Promise<Uint8Array> {
  const db = new (await loadSql()).Database(backup);
  db.exec(sqlText);
  const out = db.export();
  db.close();
  return out;
}

/** Rewrites a backup through SQL and seals it again with a valid manifest, as a careful attacker would. */
async function resealed(backup: Uint8Array, sqlText: string): Promise<Uint8Array> {
  const sql = await loadSql();
  const db = new sql.Database(backup);
  db.exec(`DROP TABLE pacioli_backup_manifest; PRAGMA application_id = 0; ${sqlText}`);
  const image = db.export();
  db.close();
  const engine = new Engine(sql, image);
  try {
    return await buildBackup(sql, image, 'books');
  } finally {
    engine.close();
  }
}

describe('backups', () => {
  it("reads the ledger's total supply from the backup's rows, for a preview", async () => {
    const { backup } = await ledger();
    const candidate = await verify(backup);
    expect(candidate.facts).toEqual({ totalSupply: (500n + 2n ** 62n).toString() });
  });

  it('round-trips: a real SQLite file with a manifest that verifies', async () => {
    const { backup } = await ledger();
    const candidate = await verify(backup);
    expect(candidate.manifest).toMatchObject({ application: 'pacioli', store: 'books', schemaVersion: LEDGER_MIGRATIONS.length, rowCounts: { account: 3 } });
    const restored = new Engine(await loadSql(), candidate.image);
    expect(ledgerOps.getBalance(restored, 'bob')).toBe(2n ** 62n);
    expect(restored.query(`SELECT name FROM sqlite_schema WHERE name = 'pacioli_backup_manifest'`)).toEqual([]);
  });

  it('refuses every file of a hostile corpus with a reason, as INVALID_BACKUP', async () => {
    const { sql, backup } = await ledger();
    const flipped = backup.slice();
    flipped[Math.floor(backup.length / 2)]! ^= 0xff;
    const other = new sql.Database();
    other.exec('CREATE TABLE t(x); INSERT INTO t VALUES (1)');
    const corpus: [string, Uint8Array, RegExp][] = [
      ['empty', new Uint8Array(0), /too small/],
      ['random bytes', crypto.getRandomValues(new Uint8Array(8192)), /not an SQLite database/],
      ['truncated', backup.subarray(0, backup.length - 100), /page size|truncated/],
      ['a flipped byte', flipped, /damaged|checksum|manifest|differs|cannot open/],
      ['another application', other.export(), /not a Pacioli backup/],
      ['a planted trigger', await resealed(backup, `CREATE TRIGGER evil AFTER INSERT ON entry BEGIN DELETE FROM account; END`), /unexpected: trigger evil/],
      ['a planted view', await resealed(backup, `CREATE VIEW v AS SELECT 1`), /unexpected: view v/],
      ['an extra table', await resealed(backup, `CREATE TABLE extra(x)`), /unexpected: table extra/],
      ['edited content', await tampered(backup, `UPDATE account SET balance = 9 WHERE ref = 'alice'`), /checksum/],
      ['edited content, resealed', await resealed(backup, `UPDATE account SET balance = 9 WHERE ref = 'alice'`), /does not balance/],
    ];
    for (const [what, data, reason] of corpus) {
      await expect(verify(data), what).rejects.toMatchObject({ code: 'INVALID_BACKUP', message: expect.stringMatching(reason) });
    }
  });

  it('refuses a ledger whose books do not balance, even with a consistent manifest', async () => {
    const { sql, e } = await ledger();
    inTx(e, 2, (e) => e.run(`UPDATE account SET balance = balance + 1 WHERE ref = 'alice'`));
    const backup = await buildBackup(sql, e.export(), 'books');
    await expect(verify(backup)).rejects.toMatchObject({ code: 'INVALID_BACKUP', message: expect.stringMatching(/does not balance/) });
  });

  it('migrates an older backup forward and refuses a newer one', async () => {
    const V2: Migration = { version: LEDGER_MIGRATIONS.length + 1, name: 'nick', up: `ALTER TABLE account ADD COLUMN nick TEXT` };
    const old = await ledger();
    const forward = await verify(old.backup, [...LEDGER_MIGRATIONS, V2]);
    expect(forward.migrated).toBe(1);
    expect(new Engine(old.sql, forward.image).query(`SELECT max(version) AS v FROM pacioli_migrations`)).toEqual([{ v: V2.version }]);
    const newer = await ledger([...LEDGER_MIGRATIONS, V2]);
    await expect(verify(newer.backup)).rejects.toMatchObject({ code: 'SCHEMA_AHEAD' });
  });
});
