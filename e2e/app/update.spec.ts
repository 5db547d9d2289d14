/**
 * A new deployment waits for the player: "A new version of the app is ready", and only the Reload
 * button reloads. The deployment is simulated by appending a unique comment to the served
 * dist/sw.js: to the browser, a new service worker. The file is not restored (the next build
 * rewrites it), so tests running side by side in other projects cannot undo each other's deployment.
 */
import { appendFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { expect, openApp, test } from './app-fixtures';

const SW = resolve(import.meta.dirname, '../../dist/sw.js');

test.use({ serviceWorkers: 'allow' });

type Marked = { beforeUpdate?: boolean };

for (const visit of ['the first visit', 'a later visit'] as const) {
  test(`a changed service worker shows the new-version prompt on ${visit}; Reload activates it`, async ({ page }, testInfo) => {
    test.skip(visit === 'the first visit' && testInfo.project.name !== 'chromium', 'one browser is enough for the uncontrolled first visit');
    await openApp(page);
    await page.evaluate(async () => void (await navigator.serviceWorker.ready));
    await expect(page.getByText('The app now works offline.')).toBeVisible();
    if (visit === 'a later visit') {
      await page.reload(); // now the service worker controls the page
      await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible();
      expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
    }
    await page.evaluate(() => ((window as Marked).beforeUpdate = true)); // gone if the page reloads

    await appendFile(SW, `\n// deployment ${crypto.randomUUID()}\n`);
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
    const prompt = page.getByRole('alert').filter({ hasText: 'A new version of the app is ready.' });
    await expect(prompt).toBeVisible();
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => (window as Marked).beforeUpdate)).toBe(true); // nothing reloaded by itself

    const reloaded = page.waitForEvent('load');
    await prompt.getByRole('button', { name: 'Reload' }).click();
    await reloaded;
    await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible();
    await expect(page.getByText('A new version of the app is ready.')).toHaveCount(0);
    expect(await page.evaluate(() => (window as Marked).beforeUpdate)).toBeUndefined(); // a new page
    expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
  });
}
