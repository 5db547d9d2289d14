import { defineConfig, devices } from '@playwright/test';
import { join } from 'node:path';
import { chromiumLaunch, firefoxLaunch } from '../scripts/browsers';

/**
 * The consumer tests' browsers and servers. consumer/run.ts prepares the apps
 * in CONSUMER_DIR (a fresh Vite app, a webpack 5 app and an esbuild app, each
 * depending on the packed tarball), then runs this config; `vite preview` serves
 * the webpack and esbuild builds as static files. Each server gets a port of
 * its own (CONSUMER_PORT and the next three), apart from the e2e suite's.
 */
const DIR = process.env.CONSUMER_DIR;
if (!DIR) throw new Error('CONSUMER_DIR is not set: run `npm run test:consumers` (consumer/run.ts)');
const BASE = Number(process.env.CONSUMER_PORT ?? 4674);
export const PORTS = { viteDev: BASE, vitePreview: BASE + 1, webpack: BASE + 2, esbuild: BASE + 3 };
const vite = join(DIR, 'vite');
const { channel, executablePath } = firefoxLaunch();

/** A server the tests need, started as a consumer would start it: the app's own vite, no config file. */
const server = (args: string, port: number) => ({
  command: `npx --no-install vite ${args} --port ${port} --strictPort`,
  cwd: vite,
  url: `http://localhost:${port}/`,
  reuseExistingServer: false,
  timeout: 60_000,
  stdout: 'ignore' as const,
  stderr: 'pipe' as const,
});

export default defineConfig({
  testDir: '.',
  testMatch: 'consumer.spec.ts',
  outputDir: '../test-results/consumer',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  projects: [
    { name: 'chromium', use: { ...devices['Desktop Chrome'], browserName: 'chromium', launchOptions: chromiumLaunch() } },
    { name: 'firefox', use: { ...devices['Desktop Firefox'], browserName: 'firefox', ...(channel ? { channel, launchOptions: { executablePath } } : {}) } },
  ],
  webServer: [server('', PORTS.viteDev), server('preview', PORTS.vitePreview), server('preview --outDir ../webpack/dist', PORTS.webpack), server('preview --outDir ../esbuild/dist', PORTS.esbuild)],
});
