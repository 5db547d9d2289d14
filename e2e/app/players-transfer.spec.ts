/** Players and transfers: live balances, refused transfers, one transfer per double tap, a second tab. */
import { addPlayer, balanceCell, balances, expect, fillTransfer, go, openApp, sendNote, test } from './app-fixtures';

test('two players, a transfer, both balances; a double tap sends once; another tab sees it live', async ({ page, context }) => {
  await openApp(page);
  await addPlayer(page, 'alice', '1000');
  await addPlayer(page, 'bob', '9007199254740993'); // beyond 2^53: exact or not at all
  const other = await context.newPage();
  await openApp(other);
  await expect(balanceCell(other, 'alice')).toHaveText('1,000');
  await page.bringToFront(); // a background tab gets no animation frames, which Playwright's clicks wait for

  await fillTransfer(page, 'alice', 'bob', '250');
  await page.getByRole('button', { name: 'Send' }).dblclick();
  await expect(sendNote(page)).toContainText('250 tokens from alice to bob');
  await page.getByRole('button', { name: 'Send' }).click(); // the same, unchanged form again: still one transfer
  await expect(sendNote(page)).toContainText('Already sent');
  expect(await balances(page)).toEqual({ alice: 750n, bob: 9007199254741243n });
  // The other tab was not reloaded: its live query saw the commit.
  await expect(balanceCell(other, 'alice')).toHaveText('750');
  await expect(balanceCell(other, 'bob')).toHaveText('9,007,199,254,741,243');

  // History shows exactly one transfer, and the chart.
  await page.getByRole('link', { name: 'alice: history' }).click();
  await expect(page.getByRole('heading', { name: 'History of alice' })).toBeVisible();
  const entries = page.getByRole('table', { name: 'Entries of alice' }).locator('tbody tr');
  await expect(entries).toHaveCount(2);
  await expect(entries.first()).toContainText('Transfer sent');
  await expect(entries.first()).toContainText('−250');
  await expect(page.getByRole('img', { name: /Balance of alice over the 2 entries shown, from 1,000 to 750/ })).toBeVisible();
  await other.close();
});

test('refused transfers say why beside the form and change nothing', async ({ page }) => {
  await openApp(page);
  await addPlayer(page, 'ann', '100');
  await addPlayer(page, 'ben', '5');
  const cases: [string, string, string, RegExp][] = [
    ['ben', 'ann', '6', /Not enough tokens: player ben has 5, cannot pay 6/],
    ['ann', 'ben', '0', /must be positive, got 0/],
    ['ann', 'ben', '-3', /must be positive, got -3/],
    ['ann', 'ben', '18446744073709551616', /overflows a 64-bit amount/],
    ['ann', 'zed', '1', /no player zed/],
    ['ann', 'ben', '1.5', /whole/],
  ];
  for (const [from, to, amount, message] of cases) {
    await fillTransfer(page, from, to, amount);
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(page.getByRole('alert')).toHaveText(message);
  }
  expect(await balances(page)).toEqual({ ann: 100n, ben: 5n });
  await go(page, 'Audit');
  await page.getByRole('button', { name: 'Run audit' }).click();
  await expect(page.getByRole('heading', { name: 'The books balance' })).toBeVisible();
  await expect(page.getByText('Total supply: 105 tokens')).toBeVisible();
});
