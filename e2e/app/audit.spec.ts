/** The audit view names every problem: a balance changed behind the ledger's back (by raw SQL in another tab) shows up. */
import { addPlayer, expect, go, openApp, test } from './app-fixtures';

test('the audit names a cached balance its entries do not explain, and the unexplained supply', async ({ page, context }) => {
  await openApp(page);
  await addPlayer(page, 'max', '10');
  const other = await context.newPage();
  await other.goto('/e2e/harness.html');
  await other.waitForSelector('body[data-ready="1"]', { state: 'attached' });
  await other.evaluate(async () => {
    const { openStore, LEDGER_MIGRATIONS } = window.pacioli;
    const store = await openStore({ name: 'bitcraps', migrations: LEDGER_MIGRATIONS });
    await store.run(`UPDATE account SET balance = balance + 5 WHERE kind = 'player' AND ref = 'max'`); // no entry: a minted token
    await store.close();
  });
  await other.close();
  await go(page, 'Audit');
  await page.getByRole('button', { name: 'Run audit' }).click();
  await expect(page.getByRole('heading', { name: '2 problems found' })).toBeVisible();
  const problems = page.getByRole('list', { name: 'Problems' }).getByRole('listitem');
  await expect(problems).toHaveText([/player max: cached balance 15 differs from the sum of its entries 10/, /total supply 15 is not explained/]);
});
