/** Backups through the UI: a real download, a real upload through the file chooser, checkpoints, a refused file. */
import type { Page, TestInfo } from '@playwright/test';
import { writeFile } from 'node:fs/promises';
import { addPlayer, balances, expect, go, openApp, test } from './app-fixtures';

/**
 * Clicks "Export backup" and returns the saved file's path. Chromium reports the download to
 * Playwright. Firefox over WebDriver BiDi (Playwright 1.64, Firefox ESR 153) reports downloads of
 * data: URLs but not of blob: URLs, which the app uses so large backups are not base64-inflated;
 * there the test keeps the Blob the app handed to its download link (an init script wraps
 * URL.createObjectURL) and the name the link asked for.
 */
async function exportBackup(page: Page, testInfo: TestInfo): Promise<string> {
  if (testInfo.project.name !== 'firefox') {
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export backup' }).click();
    const download = await downloading;
    const file = testInfo.outputPath(download.suggestedFilename());
    await download.saveAs(file);
    return file;
  }
  await page.getByRole('button', { name: 'Export backup' }).click();
  await page.waitForFunction(() => (window as unknown as { lastDownload?: unknown }).lastDownload);
  const { name, base64 } = await page.evaluate(async () => {
    const { name, blob } = (window as unknown as { lastDownload: { name: string; blob: Blob } }).lastDownload;
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let binary = '';
    for (const b of bytes) binary += String.fromCharCode(b);
    return { name, base64: btoa(binary) };
  });
  const file = testInfo.outputPath(name);
  await writeFile(file, Buffer.from(base64, 'base64'));
  return file;
}

/** Remembers the Blob and file name of the last download link the page clicked (see exportBackup). */
function captureDownloads(): void {
  let blob: Blob | undefined;
  const create = URL.createObjectURL;
  URL.createObjectURL = (obj: Blob | MediaSource) => ((blob = obj instanceof Blob ? obj : undefined), create.call(URL, obj));
  const click = HTMLAnchorElement.prototype.click;
  HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
    if (this.download && blob) (window as unknown as { lastDownload: unknown }).lastDownload = { name: this.download, blob };
    click.call(this);
  };
}

async function chooseFile(page: Page, files: string | { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.getByLabel('Choose a backup file', { exact: true }).click();
  await (await chooser).setFiles(files);
}

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
  await expect(dialog).toContainText('Schema version 1');
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
