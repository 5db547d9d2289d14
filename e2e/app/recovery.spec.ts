/**
 * A ledger that fails to open shows the recovery page with the store's reason, never an empty
 * ledger, and the page's ways back work: a backup file (after a damaged log entry) and the
 * recovery copy (after the browser lost the IndexedDB).
 */
import AxeBuilder from '@axe-core/playwright';
import type { BrowserContext, Page } from '@playwright/test';
import { addPlayer, balances, captureDownloads, chooseFile, expect, exportBackup, go, openApp, test, WCAG } from './app-fixtures';

/** Flips one byte of the newest log entry, as e2e/damage.spec.ts does (the layout is described there). */
function flipNewestLogEntry(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('pacioli:bitcraps');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const request = <T,>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = () => reject(r.error))));
    const log = () => db.transaction('log', 'readwrite').objectStore('log');
    const meta = (await request(log().get('meta'))) as { snapshotSeq?: number };
    const keys = (await request(log().getAllKeys())).filter((k): k is number => typeof k === 'number' && k > (meta.snapshotSeq ?? 0));
    const newest = Math.max(...keys);
    const entry = new Uint8Array((await request(log().get(newest))) as Uint8Array);
    entry[entry.length >> 1]! ^= 0x40;
    await request(log().put(entry, newest));
    db.close();
    return newest;
  });
}

test('a damaged log entry opens the recovery page; a backup file brings the ledger back', async ({ page }, testInfo) => {
  await page.addInitScript(captureDownloads);
  await openApp(page);
  await addPlayer(page, 'hal', '64');
  await go(page, 'Backup');
  const file = await exportBackup(page, testInfo);
  await addPlayer(page, 'ida', '5'); // after the backup
  expect(await flipNewestLogEntry(page)).toBeGreaterThan(0);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'The saved ledger is damaged' })).toBeVisible();
  await expect(page.getByText(/^CORRUPT: /)).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Sections' })).toHaveCount(0);
  await expect(page.getByRole('table', { name: 'Balances' })).toHaveCount(0);
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);

  await chooseFile(page, { name: 'not-a-backup.sqlite', mimeType: 'application/vnd.sqlite3', buffer: Buffer.from('nope') });
  await expect(page.getByRole('alert')).toHaveText(/^This file cannot be restored: .+/);
  await chooseFile(page, file);
  const dialog = page.getByRole('dialog', { name: 'Delete the damaged ledger and restore this backup?' });
  await dialog.getByRole('button', { name: 'Delete and restore' }).click();
  await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible();
  expect(await balances(page)).toEqual({ hal: 64n });
});

async function sameOriginClient(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto('/e2e/harness.html');
  await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
  return page;
}

test('an IndexedDB the browser threw away opens the recovery page; the recovery copy brings the ledger back', async ({ page, context }) => {
  await openApp(page);
  test.skip(!(await page.evaluate(() => navigator.storage.getDirectory().then(() => true, () => false))), 'no Origin Private File System here');
  await addPlayer(page, 'jay', '30');
  // Another tab folds the log, so the recovery copy (made after each fold) holds jay.
  const other = await sameOriginClient(context);
  const folded = await other.evaluate(async () => {
    const ledger = await window.pacioli.openLedger({ name: 'bitcraps' });
    await ledger.store.compact();
    const { seq } = await ledger.store.stats();
    await ledger.store.close();
    return seq;
  });
  await expect.poll(() => other.evaluate(async () => (await window.pacioli.recoveryCopy('bitcraps'))?.seq ?? 0)).toBe(folded);
  await page.goto('about:blank'); // the app lets go of the database
  await other.evaluate(async () => {
    for (const name of ['pacioli:bitcraps', 'pacioli:bitcraps:snapshots']) {
      await new Promise<void>((resolve, reject) => {
        const request = indexedDB.deleteDatabase(name);
        request.onsuccess = () => resolve();
        request.onerror = () => reject(request.error);
      });
    }
  });
  await other.close();
  await page.goto('/#/players');
  await expect(page.getByRole('heading', { name: 'The browser lost the saved ledger' })).toBeVisible();
  await expect(page.getByText(/^STORAGE_LOST: /)).toBeVisible();
  await page.getByRole('button', { name: 'Restore the recovery copy' }).click();
  await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible();
  expect(await balances(page)).toEqual({ jay: 30n });
});

test('a damaged log entry: the recovery page lists the ledger\u2019s own checkpoints and restores one after asking', async ({ page }, testInfo) => {
  await page.addInitScript(captureDownloads);
  await openApp(page);
  await addPlayer(page, 'kim', '70');
  await addPlayer(page, 'lev', '30');
  // Restoring a backup of the same state keeps a checkpoint of it (the app's only way to make one at once).
  await go(page, 'Backup');
  const file = await exportBackup(page, testInfo);
  await chooseFile(page, file);
  await page.getByRole('dialog', { name: 'Replace everything with this backup?' }).getByRole('button', { name: 'Replace with backup' }).click();
  await expect(page.getByRole('status').filter({ hasText: /^Restored bitcraps-/ })).toBeVisible();
  await addPlayer(page, 'mo', '5'); // after the checkpoint: lost with the damage
  expect(await flipNewestLogEntry(page)).toBeGreaterThan(0);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'The saved ledger is damaged' })).toBeVisible();

  const checkpoints = page.getByRole('list', { name: 'Checkpoints' }).getByRole('listitem');
  await expect(checkpoints).toHaveCount(1);
  await expect(checkpoints.first()).toContainText(/ · \d+(\.\d)? (B|KB|MB)/);
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  await checkpoints.first().getByRole('button', { name: /^Restore checkpoint of / }).click();
  const dialog = page.getByRole('dialog', { name: 'Restore this checkpoint?' });
  await dialog.getByRole('button', { name: 'Cancel' }).click(); // asked first: cancelling changes nothing
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('heading', { name: 'The saved ledger is damaged' })).toBeVisible();
  await checkpoints.first().getByRole('button', { name: /^Restore checkpoint of / }).click();
  await dialog.getByRole('button', { name: 'Restore checkpoint' }).click();
  await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible();
  expect(await balances(page)).toEqual({ kim: 70n, lev: 30n });
  await go(page, 'Audit');
  await page.getByRole('button', { name: 'Run audit' }).click();
  await expect(page.getByRole('heading', { name: 'The books balance' })).toBeVisible();
});
