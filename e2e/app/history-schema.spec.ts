/**
 * History paging and the schema-ahead banner. A second tab on the same origin
 * (the production build's copy of e2e/harness.html, which exposes the public
 * API) plays another client of the same ledger: many transfers at once, or a
 * newer app version that migrated the database.
 */
import type { BrowserContext, Page } from '@playwright/test';
import { addPlayer, expect, go, openApp, test } from './app-fixtures';

async function otherClient(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto('/e2e/harness.html');
  await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
  return page;
}

test('a history of 26 entries pages back with "Show older entries", and the chart covers what is shown', async ({ page, context }) => {
  await openApp(page);
  await addPlayer(page, 'ivy', '1000');
  await addPlayer(page, 'jon', '0');
  const other = await otherClient(context);
  await other.evaluate(async () => {
    const ledger = await window.pacioli.openLedger({ name: 'bitcraps' });
    for (let i = 0; i < 25; i++) await ledger.transfer('ivy', 'jon', 1n);
    await ledger.store.close();
  });
  await other.close();
  await go(page, 'Players');
  await page.getByRole('link', { name: 'ivy: history' }).click();
  const rows = page.getByRole('table', { name: 'Entries of ivy' }).locator('tbody tr');
  await expect(rows).toHaveCount(20);
  await expect(page.getByText('Balance 975 tokens')).toBeVisible();
  await page.getByRole('button', { name: 'Show older entries' }).click();
  await expect(rows).toHaveCount(26);
  await expect(rows.last()).toContainText('Opening balance');
  await expect(page.getByRole('button', { name: 'Show older entries' })).toHaveCount(0);
  await expect(page.getByRole('img', { name: 'Balance of ivy over the 26 entries shown, from 1,000 to 975' })).toBeVisible();
});

test('a database migrated by a newer version in another tab shows the reload banner, and the write is refused', async ({ page, context }) => {
  await openApp(page);
  await addPlayer(page, 'kai', '10');
  const newer = await otherClient(context);
  await newer.evaluate(async () => {
    const { openStore, LEDGER_MIGRATIONS } = window.pacioli;
    const store = await openStore({ name: 'bitcraps', migrations: [...LEDGER_MIGRATIONS, { version: LEDGER_MIGRATIONS.length + 1, name: 'newer app', up: 'CREATE TABLE newer (x INTEGER) STRICT' }] });
    await store.close();
  });
  await newer.close();
  await page.getByLabel('Player id', { exact: true }).fill('lea');
  await page.getByRole('button', { name: 'Add player' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'A newer version of the app changed the ledger in another tab' })).toBeVisible();
  await expect(page.locator('#add-player-note')).toContainText('reload first');
  await expect(page.getByRole('button', { name: 'Reload' })).toBeVisible();
});
