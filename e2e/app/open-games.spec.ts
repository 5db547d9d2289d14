/**
 * The table's current game is remembered in localStorage, but the ledger is
 * what holds it: each bet's wager and every roll are recorded there. With
 * localStorage cleared (or on another device), the open game, its escrowed
 * bets and its point still show, and it plays on by the rules to a payout.
 * The dice are real; the test reads each roll from the dice's accessible
 * name and applies the same rules module the unit tests cover.
 */
import type { Page } from '@playwright/test';
import { resolveRoll, returned, type Decision } from '../../src/app/craps-rules';
import { addPlayer, balances, expect, go, openApp, test } from './app-fixtures';

/** Rolls once and returns the dice shown after roll number `n`. */
async function rollOnce(page: Page, n: number): Promise<[number, number]> {
  await page.getByRole('button', { name: 'Roll dice' }).click();
  await expect(page.getByText(/^Rolls: /)).toHaveText(new RegExp(`^Rolls: \\d+(, \\d+){${n - 1}}$`));
  const label = await page.getByRole('img', { name: /^Dice: / }).getAttribute('aria-label');
  const [, a, b] = /^Dice: (\d) and (\d), total \d+$/.exec(label ?? '')!;
  return [Number(a), Number(b)];
}

/** Places the two bets of a round (the form is showing). */
async function placeBets(page: Page): Promise<void> {
  for (const [player, side, stake] of [['shooter', 'Pass line', '100'], ['fader', "Don't pass", '60']] as const) {
    await page.getByLabel('Player', { exact: true }).fill(player);
    await page.getByRole('radio', { name: side }).check();
    await page.getByLabel('Stake', { exact: true }).fill(stake);
    await page.getByRole('button', { name: 'Place bet' }).click();
    await expect(page.getByRole('status').filter({ hasText: `${player} bets` })).toBeVisible();
  }
}

test('with localStorage cleared, an open game with its bets and point shows, resumes and pays out by the rules', async ({ page }) => {
  await openApp(page);
  await addPlayer(page, 'shooter', '1000');
  await addPlayer(page, 'fader', '1000');
  await go(page, 'Craps');
  // Play come-out rolls until one sets a point (a decided round pays out at once: start another).
  let point: number | null = null;
  let paidRounds = 0n;
  const before = { shooter: 1000n, fader: 1000n };
  for (let round = 1; point === null && round <= 20; round++) {
    await page.getByRole('button', { name: 'New round' }).click();
    await placeBets(page);
    const roll = resolveRoll(null, ...(await rollOnce(page, 1)));
    if (roll.decision) {
      await expect(page.getByText('The round is paid out.')).toBeVisible();
      before.shooter += returned(roll.decision.pass, 100n) - 100n;
      before.fader += returned(roll.decision.dontPass, 60n) - 60n;
      paidRounds++;
    }
    point = roll.point;
  }
  expect(point, 'a point within 20 come-out rolls').not.toBeNull();
  await expect(page.getByText(`Point is ${point}`)).toBeVisible();

  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await go(page, 'Craps');
  const games = page.getByRole('list', { name: 'Open games' }).getByRole('listitem');
  await expect(games).toHaveCount(1);
  await expect(games.first()).toContainText('Pot 160');
  await expect(games.first()).toContainText(`Point is ${point}`);
  await expect(games.first()).toContainText('shooter 100 on Pass line');
  await expect(games.first()).toContainText("fader 60 on Don't pass");
  await games.first().getByRole('button', { name: /^Resume game / }).click();
  await expect(page.getByText(`Point is ${point}`)).toBeVisible();
  await expect(page.getByRole('table', { name: 'Bets this round' }).locator('tbody tr')).toHaveCount(2);
  await expect(page.getByRole('list', { name: 'Open games' })).toHaveCount(0);

  let decision: Decision | null = null;
  for (let n = 2; !decision && n <= 200; n++) {
    const roll = resolveRoll(point, ...(await rollOnce(page, n)));
    point = roll.point;
    decision = roll.decision;
  }
  expect(decision).not.toBeNull();
  await expect(page.getByText(decision!.reason)).toBeVisible();
  await expect(page.getByText('The round is paid out.')).toBeVisible();
  expect(await balances(page), `after ${paidRounds} rounds decided on the come-out`).toEqual({
    shooter: before.shooter - 100n + returned(decision!.pass, 100n),
    fader: before.fader - 60n + returned(decision!.dontPass, 60n),
  });
  await go(page, 'Craps');
  await expect(page.getByRole('list', { name: 'Open games' })).toHaveCount(0);
  await go(page, 'Audit');
  await page.getByRole('button', { name: 'Run audit' }).click();
  await expect(page.getByRole('heading', { name: 'The books balance' })).toBeVisible();
});
