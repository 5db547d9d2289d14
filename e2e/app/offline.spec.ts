/** After the first visit the service worker serves everything: offline, a reload still opens the ledger and plays. */
import { addPlayer, balances, expect, fillTransfer, openApp, sendNote, test } from './app-fixtures';

test.use({ serviceWorkers: 'allow' });

test('offline, a reload still opens the app and the ledger, and transfers still work', async ({ page, context }) => {
  await openApp(page);
  await addPlayer(page, 'eve', '80');
  await addPlayer(page, 'fay', '20');
  // The first visit installs the service worker, which precaches the shell, the store's worker and sql-wasm.wasm.
  await page.evaluate(async () => void (await navigator.serviceWorker.ready));
  await expect(page.getByText('The app now works offline.')).toBeVisible();

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible();
  expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
  expect(await balances(page)).toEqual({ eve: 80n, fay: 20n });
  await fillTransfer(page, 'eve', 'fay', '30');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(sendNote(page)).toHaveText('Sent 30 tokens from eve to fay.');
  expect(await balances(page)).toEqual({ eve: 50n, fay: 50n });
  await context.setOffline(false);
});
