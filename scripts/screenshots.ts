/**
 * `npm run screenshots`: builds the app, serves the production build, plays a
 * little through the real UI (players, a transfer, a craps round) and writes
 * the README's screenshots to docs/screenshots/ (desktop and phone).
 * SCREENSHOT_PORT picks the preview port (default 4275).
 */
import { chromium, devices, type Page } from '@playwright/test';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromiumLaunch } from './browsers';

const root = resolve(import.meta.dirname, '..');
const out = resolve(root, 'docs/screenshots');
const port = Number(process.env.SCREENSHOT_PORT ?? 4275);
const url = `http://localhost:${port}`;

async function waitForServer(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`vite preview did not answer on ${url}`);
}

/** Plays a little so the screenshots show a ledger in use. */
async function play(page: Page): Promise<void> {
  await page.goto(`${url}/#/players`);
  await page.getByRole('navigation', { name: 'Sections' }).waitFor();
  // The one-time "works offline" note would sit on every screenshot.
  await page.getByRole('button', { name: 'OK' }).click({ timeout: 10_000 }).catch(() => undefined);
  for (const [id, opening] of [['alice', '1000'], ['bob', '750'], ['carol', '2500']]) {
    await page.getByLabel('Player id', { exact: true }).fill(id!);
    await page.getByLabel('Opening balance', { exact: true }).fill(opening!);
    await page.getByRole('button', { name: 'Add player' }).click();
    await page.getByRole('status').filter({ hasText: `Added ${id}` }).waitFor();
  }
  await page.goto(`${url}/#/send`);
  await page.getByLabel('From', { exact: true }).fill('carol');
  await page.getByLabel('To', { exact: true }).fill('bob');
  await page.getByLabel('Amount', { exact: true }).fill('120');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByText('Sent 120 tokens').waitFor();
  await page.goto(`${url}/#/craps`);
  await page.getByRole('button', { name: 'New round' }).click();
  for (const [id, side, stake] of [['alice', 'Pass line', '100'], ['bob', "Don't pass", '50']]) {
    await page.getByLabel('Player', { exact: true }).fill(id!);
    await page.getByRole('radio', { name: side! }).check();
    await page.getByLabel('Stake', { exact: true }).fill(stake!);
    await page.getByRole('button', { name: 'Place bet' }).click();
    await page.getByText(`${id} bets`).waitFor();
  }
  await page.getByRole('button', { name: 'Roll dice' }).click();
  await page.getByRole('img', { name: /^Dice: / }).waitFor();
}

spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
const server = spawn('npx', ['vite', 'preview', '--port', String(port), '--strictPort'], { cwd: root, stdio: 'ignore', detached: true });
const browser = await chromium.launch(chromiumLaunch());
try {
  await waitForServer();
  mkdirSync(out, { recursive: true });
  const desktop = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await desktop.newPage();
  await play(page);
  await page.screenshot({ path: resolve(out, 'desktop-craps.png') });
  await page.goto(`${url}/#/players`);
  await page.getByRole('table', { name: 'Balances' }).waitFor();
  await page.screenshot({ path: resolve(out, 'desktop-players.png') });
  await desktop.close();

  const phone = await browser.newContext({ ...devices['Pixel 7'] });
  const mobile = await phone.newPage();
  await play(mobile);
  await mobile.screenshot({ path: resolve(out, 'phone-craps.png') });
  await mobile.goto(`${url}/#/players/carol`);
  await mobile.getByRole('img', { name: /^Balance of carol/ }).waitFor();
  await mobile.screenshot({ path: resolve(out, 'phone-history.png') });
  await phone.close();
  console.log(`wrote ${out}/{desktop-players,desktop-craps,phone-craps,phone-history}.png`);
} finally {
  await browser.close();
  if (server.pid) process.kill(-server.pid); // the preview's process group, which this script started
}
