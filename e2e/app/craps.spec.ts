/**
 * A full craps round with two bettors. The dice are real (crypto, in the
 * page); the test reads each roll from the dice's accessible name and works
 * out the expected balances with the same rules module the unit tests cover.
 */
import { resolveRoll, returned, type Decision } from '../../src/app/craps-rules';
import { addPlayer, balances, expect, go, openApp, test } from './app-fixtures';

test('a round with a pass-line and a don\'t-pass bettor pays even money by the rules', async ({ page }) => {
  await openApp(page);
  await addPlayer(page, 'shooter', '1000');
  await addPlayer(page, 'fader', '1000');
  await go(page, 'Craps');
  await page.getByRole('button', { name: 'New round' }).click();
  const bets: [string, 'Pass line' | "Don't pass", string][] = [
    ['shooter', 'Pass line', '100'],
    ['fader', "Don't pass", '60'],
  ];
  for (const [player, side, stake] of bets) {
    await page.getByLabel('Player', { exact: true }).fill(player);
    await page.getByRole('radio', { name: side }).check();
    await page.getByLabel('Stake', { exact: true }).fill(stake);
    await page.getByRole('button', { name: 'Place bet' }).click();
    await expect(page.getByRole('status').filter({ hasText: `${player} bets` })).toBeVisible();
  }
  await expect(page.getByRole('table', { name: 'Bets this round' }).locator('tbody tr')).toHaveCount(2);
  expect(await balances(page)).toEqual({ shooter: 900n, fader: 940n }); // escrowed in the pot
  await go(page, 'Craps');

  let point: number | null = null;
  let decision: Decision | null = null;
  const totals: number[] = [];
  for (let n = 1; !decision && n <= 200; n++) {
    await page.getByRole('button', { name: 'Roll dice' }).click();
    await expect(page.getByText(/^Rolls: /)).toHaveText(new RegExp(`^Rolls: \\d+(, \\d+){${n - 1}}$`));
    const label = await page.getByRole('img', { name: /^Dice: / }).getAttribute('aria-label');
    const [, a, b] = /^Dice: (\d) and (\d), total \d+$/.exec(label ?? '')!;
    const roll = resolveRoll(point, Number(a), Number(b));
    totals.push(roll.total);
    point = roll.point;
    decision = roll.decision;
  }
  expect(decision, `rolls ${totals.join(', ')}`).not.toBeNull();
  await expect(page.getByText(decision!.reason)).toBeVisible();
  await expect(page.getByText('The round is paid out.')).toBeVisible();
  expect(await balances(page), `rolls ${totals.join(', ')}`).toEqual({
    shooter: 900n + returned(decision!.pass, 100n),
    fader: 940n + returned(decision!.dontPass, 60n),
  });

  // The bet and the payout are in the history; the books still balance.
  await page.getByRole('link', { name: 'fader: history' }).click();
  const entries = page.getByRole('table', { name: 'Entries of fader' }).locator('tbody tr');
  await expect(entries.filter({ hasText: 'Bet escrowed' })).toHaveCount(1);
  await expect(entries.filter({ hasText: 'Payout' })).toHaveCount(decision!.dontPass === 'lose' ? 0 : 1);
  await go(page, 'Audit');
  await page.getByRole('button', { name: 'Run audit' }).click();
  await expect(page.getByRole('heading', { name: 'The books balance' })).toBeVisible();
});
