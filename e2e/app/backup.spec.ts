/** Backups through the UI: a real download, a real upload through the file chooser, checkpoints, a refused file. */
import { addPlayer, balances, captureDownloads, chooseFile, expect, exportBackup, go, openApp, test } from './app-fixtures';

test('export, change, restore the file, then restore the checkpoint taken before it', async ({ page }, testInfo) => {
  await page.addInitScript(captureDownloads);
  await openApp(page);
  await addPlayer(page, 'ada', '500');
  await addPlayer(page, 'bea', '300');
  await go(page, 'Backup');
  const file = await exportBackup(page, testInfo);
  expect(file).toMatch(/[/\\]bitcraps-\d{4}-\d{2}-\d{2}\.sqlite$/);
  await expect(page.getByRole('status').filter({ hasText: /^Saved bitcraps-/ })).toBeVisible();

  await addPlayer(page, 'cy', '42'); // a change the backup does not have
  await go(page, 'Backup');
  await chooseFile(page, file);
  const dialog = page.getByRole('dialog', { name: 'Replace everything with this backup?' });
  await expect(dialog).toContainText('2 players, 0 games');
  await expect(dialog).toContainText('Total supply 800 tokens');
  await expect(dialog).toContainText('Schema version 2');
  await dialog.getByRole('button', { name: 'Cancel' }).click(); // asked first: cancelling changes nothing
  await expect(dialog).toBeHidden();
  expect(await balances(page)).toEqual({ ada: 500n, bea: 300n, cy: 42n });

  await go(page, 'Backup');
  await chooseFile(page, file);
  await dialog.getByRole('button', { name: 'Replace with backup' }).click();
  await expect(page.getByRole('status').filter({ hasText: /^Restored bitcraps-/ })).toBeVisible();
  expect(await balances(page)).toEqual({ ada: 500n, bea: 300n });

  // The restore kept a checkpoint of what it replaced: restoring it brings cy back.
  await go(page, 'Backup');
  const checkpoints = page.getByRole('list', { name: 'Checkpoints' }).getByRole('listitem');
  await expect(checkpoints.first()).toBeVisible();
  await checkpoints.first().getByRole('button', { name: /^Restore checkpoint of / }).click();
  await page.getByRole('dialog', { name: 'Restore this checkpoint?' }).getByRole('button', { name: 'Restore checkpoint' }).click();
  await expect(page.getByRole('status').filter({ hasText: /^Restored the checkpoint/ })).toBeVisible();
  expect(await balances(page)).toEqual({ ada: 500n, bea: 300n, cy: 42n });
});

test('a file that is not a backup is refused in the store\'s words and changes nothing', async ({ page }) => {
  await openApp(page);
  await addPlayer(page, 'dee', '7');
  await go(page, 'Backup');
  await chooseFile(page, { name: 'bitcraps-notes.sqlite', mimeType: 'application/vnd.sqlite3', buffer: Buffer.from('these are my notes, not a database') });
  await expect(page.getByRole('alert')).toHaveText(/^This file cannot be restored: .+/);
  await expect(page.getByRole('dialog')).toHaveCount(0);
  expect(await balances(page)).toEqual({ dee: 7n });
});
