/**
 * Helpers for the app's specs. They run against the production build served
 * by `vite preview` (playwright.config.ts starts it on E2E_APP_PORT), each
 * test in a fresh browser context, finding elements by role and accessible
 * name as a player (or a screen reader) would.
 */
import { test as base, expect, type Locator, type Page, type TestInfo } from '@playwright/test';
import { writeFile } from 'node:fs/promises';

const PORT = Number(process.env.E2E_PORT ?? 4173);
/** Where the production app is served (the same rule as playwright.config.ts). */
export const APP_URL = `http://localhost:${Number(process.env.E2E_APP_PORT ?? PORT + 101)}`;

export { expect };

/**
 * The app's tests: `baseURL` is the production build. The service worker is blocked except where a
 * spec allows it (offline.spec.ts): precaching ~900 KB per fresh context costs every test CPU and
 * changes nothing they check.
 */
export const test = base.extend({
  baseURL: async ({}, use) => {
    await use(APP_URL);
  },
  serviceWorkers: 'block',
});

/**
 * The axe rule sets the scans run: WCAG 2.0–2.2 A and AA. Axe's best-practice rules are left out:
 * their findings are rarely serious, and injecting and running them doubled a scan in Firefox.
 */
export const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Opens the app at a view and waits until the ledger is open (the navigation shows). */
export async function openApp(page: Page, hash = '#/players'): Promise<void> {
  await page.goto(`/${hash}`);
  await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible();
}

/** Goes to a view through the bottom navigation. */
export async function go(page: Page, label: 'Players' | 'Send' | 'Craps' | 'Sync' | 'Backup' | 'Storage' | 'Audit'): Promise<void> {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: label }).click();
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
}

/** Adds a player through the Players form and waits for its row. */
export async function addPlayer(page: Page, id: string, opening: string): Promise<void> {
  await go(page, 'Players');
  await page.getByLabel('Player id', { exact: true }).fill(id);
  await page.getByLabel('Opening balance', { exact: true }).fill(opening);
  await page.getByRole('button', { name: 'Add player' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Added ${id}` })).toBeVisible();
  await expect(balanceCell(page, id)).toBeVisible();
}

/** The balance cell of a player's row in the live Balances table. */
export function balanceCell(page: Page, id: string): Locator {
  return page
    .getByRole('table', { name: 'Balances' })
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: `${id}: history`, exact: true }) })
    .getByRole('cell');
}

/** Reads every balance shown in the Balances table, exactly, from the cells' data attribute. */
export async function balances(page: Page): Promise<Record<string, bigint>> {
  await go(page, 'Players');
  const table = page.getByRole('table', { name: 'Balances' });
  await expect(table).toBeVisible();
  const rows = table.locator('tbody tr');
  const out: Record<string, bigint> = {};
  for (const row of await rows.all()) {
    const id = (await row.getByRole('rowheader').innerText()).trim();
    out[id] = BigInt((await row.getByRole('cell').getAttribute('data-balance'))!);
  }
  return out;
}

/** Fills the transfer form (does not submit). */
export async function fillTransfer(page: Page, from: string, to: string, amount: string): Promise<void> {
  await go(page, 'Send');
  await page.getByLabel('From', { exact: true }).fill(from);
  await page.getByLabel('To', { exact: true }).fill(to);
  await page.getByLabel('Amount', { exact: true }).fill(amount);
}

/** The message beside the transfer form. */
export function sendNote(page: Page): Locator {
  return page.locator('#send-note');
}

/**
 * Clicks "Export backup" and returns the saved file's path. Chromium reports the download to
 * Playwright. Firefox over WebDriver BiDi (Playwright 1.64, Firefox ESR 153) reports downloads of
 * data: URLs but not of blob: URLs, which the app uses so large backups are not base64-inflated;
 * there the test keeps the Blob the app handed to its download link (an init script wraps
 * URL.createObjectURL) and the name the link asked for.
 */
export async function exportBackup(page: Page, testInfo: TestInfo): Promise<string> {
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
export function captureDownloads(): void {
  let blob: Blob | undefined;
  const create = URL.createObjectURL;
  URL.createObjectURL = (obj: Blob | MediaSource) => ((blob = obj instanceof Blob ? obj : undefined), create.call(URL, obj));
  const click = HTMLAnchorElement.prototype.click;
  HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
    if (this.download && blob) (window as unknown as { lastDownload: unknown }).lastDownload = { name: this.download, blob };
    click.call(this);
  };
}

/** Chooses a file through the file chooser the "Choose a backup file" control opens. */
export async function chooseFile(page: Page, files: string | { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.getByLabel('Choose a backup file', { exact: true }).click();
  await (await chooser).setFiles(files);
}
