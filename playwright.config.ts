import { existsSync } from 'node:fs';
import { defineConfig, devices, type LaunchOptions } from '@playwright/test';

/**
 * End-to-end tests run the real store (worker, sql.js, IndexedDB) in real
 * browsers against the Vite dev server.
 *
 * On Debian CI machines Playwright cannot download its own browsers, so we
 * use the distribution's `chromium` and `firefox-esr` when they are installed.
 * Anywhere else (a developer laptop) the same config falls back to the
 * browsers from `npx playwright install chromium firefox`.
 */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const DEBIAN_FIREFOX = '/usr/bin/firefox-esr';

const PORT = 4173;
const BASE_URL = `http://localhost:${PORT}`;
const CI = !!process.env.CI;

/**
 * Chromium flags: as root it needs --no-sandbox; the next ones keep it quiet on a closed network.
 * Recent Chromium puts same-site tabs in one renderer process, so CDP Page.crash on one tab
 * would kill the other tabs of a multi-tab test too: give every tab its own process.
 */
const chromiumArgs = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-gpu',
  '--no-first-run',
  '--disable-features=ProcessPerSiteUpToMainFrameThreshold',
];
const chromiumLaunch: LaunchOptions = existsSync(DEBIAN_CHROMIUM) ? { executablePath: DEBIAN_CHROMIUM, args: chromiumArgs } : { args: chromiumArgs };

/** Firefox ESR is driven over WebDriver BiDi (the `moz-firefox` channel). */
const firefoxUse = existsSync(DEBIAN_FIREFOX)
  ? { channel: 'moz-firefox', launchOptions: { executablePath: DEBIAN_FIREFOX } }
  : {};

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  outputDir: 'test-results',
  // Lets Vite finish discovering dependencies before the first test (see the file).
  globalSetup: './e2e/global-setup.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  forbidOnly: CI,
  retries: 0,
  workers: 2,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: BASE_URL,
    // Tracing every test costs ~30% here; `--retries=1` (or `--trace on`) records one for a failure.
    trace: 'on-first-retry',
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
  },
  projects: [
    {
      name: 'chromium',
      use: { ...devices['Desktop Chrome'], browserName: 'chromium', launchOptions: chromiumLaunch },
    },
    {
      name: 'firefox',
      use: { ...devices['Desktop Firefox'], browserName: 'firefox', ...firefoxUse },
    },
    {
      name: 'mobile',
      use: { ...devices['Pixel 7'], browserName: 'chromium', launchOptions: chromiumLaunch },
    },
  ],
  webServer: {
    command: `npx vite --port ${PORT} --strictPort`,
    url: `${BASE_URL}/e2e/harness.html`,
    reuseExistingServer: !CI,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
