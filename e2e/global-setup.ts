/**
 * Warms the Vite dev server before any test runs.
 *
 * On a cold start (a clean clone, or after dependencies changed) Vite
 * discovers bare imports as modules are first requested. The store's worker
 * is only requested when a store is opened, so its dependencies (sql.js)
 * are found then, Vite re-bundles them and tells every open page to reload:
 * a test would see its page navigate away in the middle of `openStore`.
 * Opening one store here, until a whole open passes without a reload, gets
 * that over with before the tests start. Best effort: if anything fails
 * here, the tests still run and report the real problem.
 */
import { chromium, firefox, type FullConfig, type Page } from '@playwright/test';

const ATTEMPTS = 4;

async function openOnce(page: Page, url: string): Promise<boolean> {
  let navigations = 0;
  const onNavigate = (frame: { parentFrame(): unknown }) => {
    if (!frame.parentFrame()) navigations++;
  };
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]', { state: 'attached', timeout: 30_000 });
  page.on('framenavigated', onNavigate);
  try {
    await page.evaluate(async () => {
      const store = await window.pacioli.openStore({ name: 'e2e-warmup' });
      await store.query('SELECT 1');
      await store.close();
    });
    // A reload triggered by the optimizer may arrive a moment later.
    await page.waitForTimeout(1_500);
  } catch {
    // The page navigated away under us (or the store failed): try again.
    navigations++;
  } finally {
    page.off('framenavigated', onNavigate);
  }
  return navigations === 0;
}

export default async function globalSetup(config: FullConfig): Promise<void> {
  const project = config.projects[0];
  const baseURL = project?.use.baseURL;
  if (!project || !baseURL) return;
  const browserType = project.use.browserName === 'firefox' ? firefox : chromium;
  const started = Date.now();
  try {
    const browser = await browserType.launch({ ...project.use.launchOptions, channel: project.use.channel });
    try {
      const page = await browser.newPage();
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        if (await openOnce(page, new URL('/e2e/harness.html', baseURL).href)) return;
      }
      console.warn(`e2e warm-up: the harness page still reloaded after ${ATTEMPTS} attempts`);
    } finally {
      await browser.close();
    }
  } catch (error) {
    console.warn(`e2e warm-up skipped: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  } finally {
    if (process.env.CI) console.log(`e2e warm-up took ${Date.now() - started} ms`);
  }
}
