/** Every view at 360 px has no horizontal scroll, and axe finds no serious or critical violation in any of them. */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { addPlayer, expect, fillTransfer, go, openApp, test, WCAG } from './app-fixtures';

async function check(page: Page, view: string): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${view}: horizontal scroll of ${overflow} px`).toBeLessThanOrEqual(0);
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${view}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

test('360 px: no horizontal scroll, no serious or critical axe violation, in every view', async ({ page }) => {
  test.slow(); // eight axe scans; each one in Firefox over BiDi takes seconds on a busy machine
  await page.setViewportSize({ width: 360, height: 740 });
  await openApp(page);
  await check(page, 'players (empty)');
  await addPlayer(page, 'a-player-with-a-rather-long-identifier-0123456789', '9223372036854775000');
  await addPlayer(page, 'gil', '10');
  await check(page, 'players');
  await page.getByRole('link', { name: 'gil: history' }).click();
  await check(page, 'history');
  await fillTransfer(page, 'gil', 'a-player-with-a-rather-long-identifier-0123456789', '11');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await check(page, 'send (refused)');
  await go(page, 'Craps');
  await page.getByRole('button', { name: 'New round' }).click();
  await page.getByLabel('Player', { exact: true }).fill('gil');
  await page.getByRole('button', { name: 'Place bet' }).click();
  await page.getByLabel('Stake', { exact: true }).fill('5');
  await page.getByRole('button', { name: 'Place bet' }).click();
  await page.getByRole('button', { name: 'Roll dice' }).click();
  await expect(page.getByRole('img', { name: /^Dice: / })).toBeVisible();
  await check(page, 'craps');
  await go(page, 'Sync');
  await expect(page.getByRole('button', { name: 'Create shared ledger' })).toBeVisible();
  await check(page, 'sync (not shared)');
  await go(page, 'Backup');
  await expect(page.getByRole('list', { name: 'Checkpoints' }).or(page.getByText('None yet.', { exact: false }))).toBeVisible();
  await check(page, 'backup');
  await go(page, 'Storage');
  await expect(page.getByText('Schema version')).toBeVisible();
  await check(page, 'storage');
  await go(page, 'Audit');
  await page.getByRole('button', { name: 'Run audit' }).click();
  await expect(page.getByRole('heading', { name: 'The books balance' })).toBeVisible();
  await check(page, 'audit');
});

test('the tabs and buttons are at least 44 px and reachable by keyboard with a visible focus', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await openApp(page);
  for (const target of await page.locator('nav a, button, input:not([type=radio])').all()) {
    const box = await target.boundingBox();
    if (!box) continue;
    expect(Math.min(box.width, box.height), await target.evaluate((e) => e.outerHTML.slice(0, 80))).toBeGreaterThanOrEqual(44);
  }
  // One row of tabs: a second row would cover the bottom of every view (main's padding is sized for one).
  const tops = await page.getByRole('navigation', { name: 'Sections' }).getByRole('link').evaluateAll((links) => links.map((l) => l.getBoundingClientRect().top));
  expect(new Set(tops).size).toBe(1);
  await page.getByLabel('Player id', { exact: true }).focus();
  await page.keyboard.type('kim');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Add player' })).toBeFocused();
  const outline = await page.getByRole('button', { name: 'Add player' }).evaluate((e) => getComputedStyle(e).outlineStyle);
  expect(outline).not.toBe('none');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status').filter({ hasText: 'Added kim' })).toBeVisible();
});
