/**
 * Backups through the public API: export, restore, hostile files, tabs.
 * Bytes cross page.evaluate as plain number arrays.
 */
import initSqlJs from 'sql.js';
import type { Page } from '@playwright/test';
import { expect, gotoHarness, test } from './fixtures';

const V1 = { version: 1, name: 'notes', up: 'CREATE TABLE note(id INTEGER PRIMARY KEY, body TEXT NOT NULL, n INTEGER)' };
const V2 = { version: 2, name: 'tags', up: `ALTER TABLE note ADD COLUMN tag TEXT NOT NULL DEFAULT 'none'` };

async function open(page: Page, name: string, migrations = [V1]): Promise<void> {
  await page.evaluate(async ({ name, migrations }) => void (window.stores[name] = await window.pacioli.openStore({ name, migrations })), { name, migrations });
}
const notes = (page: Page, name: string) =>
  page.evaluate(async (name) => window.stores[name]!.query('SELECT id, body, n FROM note ORDER BY id'), name);
const exportBytes = (page: Page, name: string) =>
  page.evaluate(async (name) => Array.from(await window.stores[name]!.exportBackup()), name);
const restore = (page: Page, name: string, bytes: number[]) =>
  page.evaluate(
    async ({ name, bytes }) =>
      window.stores[name]!.restoreBackup(new Uint8Array(bytes)).then(
        (r) => ({ ok: true as const, ...r }),
        (e: { code?: string; message?: string }) => ({ ok: false as const, code: e.code, message: e.message }),
      ),
    { name, bytes },
  );

test('back up, change the data, restore: the original data is back, also after a reload', async ({ harness }) => {
  await open(harness, 'b');
  await harness.evaluate(() => window.stores.b!.run(`INSERT INTO note(body, n) VALUES ('keep', 1), ('also', 9007199254740993)`));
  const backup = await exportBytes(harness, 'b');
  const original = await notes(harness, 'b');
  await harness.evaluate(() => window.stores.b!.run(`DELETE FROM note; INSERT INTO note(body) VALUES ('changed')`));
  expect(await restore(harness, 'b', backup)).toEqual({ ok: true, schemaVersion: 1, migrated: 0 });
  expect(await notes(harness, 'b')).toEqual(original);
  await harness.reload();
  await harness.waitForSelector('body[data-ready="1"]', { state: 'attached' });
  await open(harness, 'b');
  expect(await notes(harness, 'b')).toEqual(original);
  const checkpoints = await harness.evaluate(() => window.stores.b!.checkpoints());
  expect(checkpoints.map((c) => c.reason)).toContain('before restoring a backup');
  expect(checkpoints.every((c) => c.bytes > 0)).toBe(true);
});

test('the exported file is a plain SQLite database that sql.js in Node opens', async ({ harness }) => {
  await open(harness, 'f');
  await harness.evaluate(() => window.stores.f!.run(`INSERT INTO note(body, n) VALUES ('one', 1), ('two', 2)`));
  const bytes = new Uint8Array(await exportBytes(harness, 'f'));
  const SQL = await initSqlJs();
  const db = new SQL.Database(bytes);
  expect(db.exec('SELECT body, n FROM note ORDER BY id')[0]!.values).toEqual([['one', 1], ['two', 2]]);
  const manifest = JSON.parse(String(db.exec(`SELECT value FROM pacioli_backup_manifest`)[0]!.values[0]![0]));
  expect(manifest).toMatchObject({ application: 'pacioli', store: 'f', schemaVersion: 1, rowCounts: { note: 2 } });
  expect(db.exec('PRAGMA application_id')[0]!.values[0]![0]).toBe(0x50434c49);
  db.close();
});

test('a restore in one tab is seen by another', async ({ harness }) => {
  await open(harness, 't');
  const other = await harness.context().newPage();
  await gotoHarness(other);
  await open(other, 't');
  await harness.evaluate(() => window.stores.t!.run(`INSERT INTO note(body) VALUES ('from the backup')`));
  const backup = await exportBytes(harness, 't');
  await harness.evaluate(() => window.stores.t!.run(`UPDATE note SET body = 'later'`));
  expect((await restore(harness, 't', backup)).ok).toBe(true);
  await expect.poll(() => other.evaluate(async () => (await window.stores.t!.query<{ body: string }>('SELECT body FROM note'))[0]?.body)).toBe('from the backup');
});

test('an older backup is migrated forward; a newer one is refused with SCHEMA_AHEAD', async ({ harness }) => {
  await open(harness, 'old');
  await harness.evaluate(() => window.stores.old!.run(`INSERT INTO note(body) VALUES ('v1 row')`));
  const v1Backup = await exportBytes(harness, 'old');
  await open(harness, 'new', [V1, V2]);
  expect(await restore(harness, 'new', v1Backup)).toEqual({ ok: true, schemaVersion: 2, migrated: 1 });
  expect(await harness.evaluate(() => window.stores.new!.query('SELECT body, tag FROM note'))).toEqual([{ body: 'v1 row', tag: 'none' }]);
  const v2Backup = await exportBytes(harness, 'new');
  expect(await restore(harness, 'old', v2Backup)).toMatchObject({ ok: false, code: 'SCHEMA_AHEAD' });
});

test('every file of a hostile corpus is refused with INVALID_BACKUP and the store is unchanged', async ({ harness }) => {
  await open(harness, 'h');
  await harness.evaluate(() => window.stores.h!.run(`INSERT INTO note(body, n) VALUES ('precious', 7)`));
  const good = await exportBytes(harness, 'h');
  const before = await notes(harness, 'h');
  const flipped = good.slice();
  flipped[Math.floor(good.length * 0.7)]! ^= 0x01;
  const SQL = await initSqlJs();
  const foreign = new SQL.Database();
  foreign.exec('CREATE TABLE note(id INTEGER PRIMARY KEY, body TEXT NOT NULL, n INTEGER)');
  const planted = new SQL.Database(new Uint8Array(good));
  planted.exec(`CREATE TRIGGER evil AFTER INSERT ON note BEGIN DELETE FROM note; END`);
  const corpus: Record<string, number[]> = {
    empty: [],
    'random bytes': Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256),
    truncated: good.slice(0, good.length - 1000),
    'one flipped byte': flipped,
    'another application': Array.from(foreign.export()),
    'a planted trigger': Array.from(planted.export()),
  };
  for (const [what, bytes] of Object.entries(corpus)) {
    const outcome = await restore(harness, 'h', bytes);
    expect(outcome, what).toMatchObject({ ok: false, code: 'INVALID_BACKUP' });
    expect(outcome.ok === false && outcome.message, what).toMatch(/cannot be restored: .+/);
  }
  expect(await notes(harness, 'h')).toEqual(before);
  await harness.evaluate(() => window.stores.h!.run(`INSERT INTO note(body) VALUES ('still writable')`));
});

test('a ledger whose audit fails is refused', async ({ harness }) => {
  const backup = await harness.evaluate(async () => {
    const ledger = await window.pacioli.openLedger({ name: 'l' });
    await ledger.createPlayer('alice', 100n);
    await ledger.store.run(`UPDATE account SET balance = 1000 WHERE ref = 'alice'`); // tokens from nowhere
    return Array.from(await ledger.store.exportBackup());
  });
  const outcome = await harness.evaluate(async (bytes) => {
    const ledger = await window.pacioli.openLedger({ name: 'l2' });
    return ledger.store.restoreBackup(new Uint8Array(bytes)).then(() => 'restored', (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`);
  }, backup);
  expect(outcome).toMatch(/^INVALID_BACKUP: .*does not balance/);
});
