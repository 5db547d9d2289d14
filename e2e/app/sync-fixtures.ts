/**
 * What the sync specs share: the server fixture (one per Playwright worker),
 * a second device (its own browser context, so its own IndexedDB), the
 * panel's steps as a player takes them, and an exact read of a device's books
 * through the production build's harness page (the public API in a second tab).
 */
import type { Browser, BrowserContext, Page, TestInfo } from '@playwright/test';
import { addPlayer, expect, go, openApp, test as appTest, APP_URL } from './app-fixtures';
import { startSyncServer, type SyncServer } from './sync-server';

export { expect };

export const test = appTest.extend<object, { syncServer: SyncServer }>({
  syncServer: [
    async ({}, use, workerInfo) => {
      const server = await startSyncServer(workerInfo.parallelIndex);
      await use(server);
      await server.stop();
    },
    { scope: 'worker' },
  ],
});

/** Another device: a fresh context with the project's device settings, the service worker blocked as in every app spec. */
export async function secondDevice(browser: Browser, testInfo: TestInfo): Promise<{ context: BrowserContext; page: Page }> {
  const { viewport, userAgent, deviceScaleFactor, isMobile, hasTouch } = testInfo.project.use;
  const context = await browser.newContext({ baseURL: APP_URL, serviceWorkers: 'block', viewport, userAgent, deviceScaleFactor, isMobile, hasTouch });
  const page = await context.newPage();
  await openApp(page);
  return { context, page };
}

/** Shares this device's (empty) ledger through the server, as its owner. */
export async function share(page: Page, server: string): Promise<void> {
  await go(page, 'Sync');
  await page.getByLabel('Server URL', { exact: true }).fill(server);
  await page.getByRole('button', { name: 'Create shared ledger' }).click();
  await expect(page.getByLabel('Sync status')).toBeVisible();
}

/** Makes an invite on an owner's device and returns its code. */
export async function invite(page: Page): Promise<string> {
  await go(page, 'Sync');
  await page.getByRole('button', { name: 'Create invite' }).click();
  const code = page.getByLabel('Invite code', { exact: true });
  await expect(code).toHaveValue(/\./);
  return code.inputValue();
}

/** Joins with an invite code. */
export async function join(page: Page, server: string, code: string): Promise<void> {
  await go(page, 'Sync');
  await page.getByLabel('Server URL', { exact: true }).fill(server);
  await page.getByLabel('Invite code or link', { exact: true }).fill(code);
  await page.getByRole('button', { name: 'Join shared ledger' }).click();
  await expect(page.getByLabel('Sync status')).toBeVisible();
}

/** Sends tokens through the Send form and waits for the confirmation. */
export async function send(page: Page, from: string, to: string, amount: string): Promise<void> {
  await go(page, 'Send');
  await page.getByLabel('From', { exact: true }).fill(from);
  await page.getByLabel('To', { exact: true }).fill(to);
  await page.getByLabel('Amount', { exact: true }).fill(amount);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('#send-note')).toHaveText(`Sent ${amount} tokens from ${from} to ${to}.`);
}

/** Waits on the Sync panel until nothing is pending and the loop is online. */
export async function synced(page: Page, timeout = 45_000): Promise<void> {
  await go(page, 'Sync');
  const status = page.getByLabel('Sync status');
  try {
    await expect(status.locator('dd[data-pending]')).toHaveAttribute('data-pending', '0', { timeout });
    await expect(status.locator('dd[data-connection]')).toHaveAttribute('data-connection', 'online', { timeout });
  } catch (error) {
    // What the panel says (the loop's last problem) is what explains a failure here.
    throw new Error(`not synced; the panel says: ${(await status.innerText()).replaceAll('\n', ' | ')}`, { cause: error });
  }
}

/**
 * This test's page shares a new ledger holding `players` (id, opening balance); a second device joins it, with
 * the invite code typed in, or by opening the invite link (which fills the form), and syncs.
 */
export async function sharedPair(page: Page, browser: Browser, testInfo: TestInfo, server: string, players: [string, string][], how: 'code' | 'link' = 'code') {
  await openApp(page);
  await share(page, server);
  for (const [id, opening] of players) await addPlayer(page, id, opening);
  const code = await invite(page);
  const other = await secondDevice(browser, testInfo);
  if (how === 'code') await join(other.page, server, code);
  else {
    const link = await page.getByRole('link', { name: 'Invite link' }).getAttribute('href');
    await other.page.goto(link!);
    await expect(other.page.getByLabel('Invite code or link', { exact: true })).toHaveValue(code);
    await expect(other.page.getByLabel('Server URL', { exact: true })).toHaveValue(server);
    await other.page.getByRole('button', { name: 'Join shared ledger' }).click();
    await expect(other.page.getByLabel('Sync status')).toBeVisible();
  }
  await synced(other.page);
  return other;
}

/** A device's books, read exactly through the public API in a second tab of its context. */
export interface Books {
  balances: Record<string, string>;
  /** Per player: its entries oldest first, as kind, amount and game. */
  history: Record<string, string[]>;
  audit: { ok: boolean; problems: string[]; totalSupply: string };
  sync: { ledgerId: string; deviceToken: string; cursor: number; outbox: number };
}

export async function books(context: BrowserContext): Promise<Books> {
  const page = await context.newPage();
  try {
    await page.goto('/e2e/harness.html');
    await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
    return await page.evaluate(async () => {
      const ledger = await window.pacioli.openLedger({ name: 'bitcraps' });
      try {
        const players = await ledger.players();
        const history: Record<string, string[]> = {};
        for (const p of players) history[p.id] = (await ledger.history(p.id, { limit: 1000 })).reverse().map((h) => `${h.kind} ${h.amount} ${h.gameId ?? ''}`);
        const audit = await ledger.audit();
        const [sync] = await ledger.store.query<{ ledgerId: string; deviceToken: string; cursor: number; outbox: number }>(
          `SELECT ledger_id AS ledgerId, device_token AS deviceToken, cursor, (SELECT count(*) FROM sync_outbox) AS outbox FROM sync_state`,
        );
        return {
          balances: Object.fromEntries(players.map((p) => [p.id, String(p.balance)])),
          history,
          audit: { ok: audit.ok, problems: audit.problems, totalSupply: String(audit.totalSupply) },
          sync: sync!,
        };
      } finally {
        await ledger.store.close();
      }
    });
  } finally {
    await page.close();
  }
}

/** The server's canonical log and audit, read with a device's credential. */
export async function serverView(server: string, b: Books): Promise<{ keys: string[]; ops: { type: string }[]; audit: { ok: boolean; totalSupply: string } }> {
  const auth = { authorization: `Bearer ${b.sync.deviceToken}` };
  const log = (await (await fetch(`${server}/v1/ledgers/${b.sync.ledgerId}/ops?after=0`, { headers: auth })).json()) as { ops: { key: string; op: { type: string } }[] };
  const audit = (await (await fetch(`${server}/v1/ledgers/${b.sync.ledgerId}/audit`, { headers: auth })).json()) as { ok: boolean; totalSupply: string };
  return { keys: log.ops.map((o) => o.key), ops: log.ops.map((o) => o.op), audit };
}
