/**
 * Playwright config of the fault suite (`npm run test:faults`, and its quick
 * profile inside `npm test`). Separate from the main config because these
 * tests run long, launch browsers of their own (kills), and add up their
 * figures into one summary table at the end.
 */
import { defineConfig, devices } from '@playwright/test';
import { chromiumLaunch, firefoxLaunch } from '../../scripts/browsers';
import { PROFILE } from './profile';

const PORT = Number(process.env.E2E_PORT ?? 4173);
const BASE_URL = `http://localhost:${PORT}`;
const CI = !!process.env.CI;
// Every tab its own renderer, so a crashed tab does not take the others with it.
const chromiumOptions = chromiumLaunch(['--disable-features=ProcessPerSiteUpToMainFrameThreshold']);
const { channel: firefoxChannel, executablePath: firefoxPath } = firefoxLaunch();
const firefoxUse = firefoxChannel ? { channel: firefoxChannel, launchOptions: { executablePath: firefoxPath } } : {};

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../../test-results/faults',
  globalSetup: './global-setup.ts',
  globalTeardown: './summary.ts',
  timeout: PROFILE === 'full' ? 3_600_000 : 240_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  forbidOnly: CI,
  retries: 0,
  // Quick: the two engines side by side (inside npm test's budget); full: one at a time, so kills and soaks are not crowded.
  workers: PROFILE === 'full' ? 1 : 2,
  reporter: [['list']],
  use: { baseURL: BASE_URL, trace: 'off', actionTimeout: 30_000, navigationTimeout: 30_000 },
  projects: [
    { name: 'chromium', use: { ...devices['Desktop Chrome'], browserName: 'chromium', launchOptions: chromiumOptions } },
    { name: 'firefox', use: { ...devices['Desktop Firefox'], browserName: 'firefox', ...firefoxUse } },
  ],
  webServer: {
    command: `npx vite --port ${PORT} --strictPort`,
    // The server serves the project root (the harness is e2e/harness.html), not this directory.
    cwd: '../..',
    url: `${BASE_URL}/e2e/harness.html`,
    reuseExistingServer: !CI,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
