import { defineConfig, devices } from '@playwright/test';
import { chromiumLaunch, firefoxLaunch } from './scripts/browsers';

/**
 * End-to-end tests run the real store (worker, sql.js, IndexedDB) in real
 * browsers: the store's specs against the Vite dev server (e2e/harness.html),
 * the app's specs (e2e/app/) against the production build served by
 * `vite preview`, service worker included. scripts/browsers.ts says which browsers.
 */
/** `E2E_PORT` lets two checkouts run their suites side by side without sharing a server. */
const PORT = Number(process.env.E2E_PORT ?? 4173);
const BASE_URL = `http://localhost:${PORT}`;
/** The production build's port: `E2E_APP_PORT`, else next to the dev server's (4274 by default). */
const APP_PORT = Number(process.env.E2E_APP_PORT ?? PORT + 101);
const CI = !!process.env.CI;

/**
 * Recent Chromium puts same-site tabs in one renderer process, so CDP Page.crash on one tab
 * would kill the other tabs of a multi-tab test too: give every tab its own process.
 */
const chromiumOptions = chromiumLaunch(['--disable-features=ProcessPerSiteUpToMainFrameThreshold']);
const { channel: firefoxChannel, executablePath: firefoxPath } = firefoxLaunch();
const firefoxUse = firefoxChannel ? { channel: firefoxChannel, launchOptions: { executablePath: firefoxPath } } : {};

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  // The fault suite has its own config (e2e/faults/faults.config.ts): long runs, its own browsers.
  testIgnore: 'faults/**',
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
      use: { ...devices['Desktop Chrome'], browserName: 'chromium', launchOptions: chromiumOptions },
    },
    {
      name: 'firefox',
      use: { ...devices['Desktop Firefox'], browserName: 'firefox', ...firefoxUse },
    },
    {
      name: 'mobile',
      use: { ...devices['Pixel 7'], browserName: 'chromium', launchOptions: chromiumOptions },
    },
  ],
  webServer: [
    {
      command: `npx vite --port ${PORT} --strictPort`,
      url: `${BASE_URL}/e2e/harness.html`,
      reuseExistingServer: !CI,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // The app as players get it: built, then served with its service worker (e2e/app/ reads E2E_APP_PORT the same way).
      command: `npx vite build --logLevel warn && npx vite preview --port ${APP_PORT} --strictPort`,
      url: `http://localhost:${APP_PORT}/`,
      env: { E2E_APP_PORT: String(APP_PORT) },
      reuseExistingServer: !CI,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
});
