#!/usr/bin/env node
/**
 * Makes sure the browsers the e2e tests need are present, before
 * `playwright test` runs.
 *
 * playwright.config.ts prefers Debian's `chromium` and `firefox-esr`
 * (`/usr/bin/...`) and falls back to Playwright's own downloaded browsers.
 * A browser counts as present when either exists. When one is missing:
 * as root on Debian, install the Debian packages with apt-get; otherwise
 * say what to run and exit 1.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const BROWSERS = [
  { name: 'chromium', debianPath: '/usr/bin/chromium', debianPackage: 'chromium' },
  { name: 'firefox', debianPath: '/usr/bin/firefox-esr', debianPackage: 'firefox-esr' },
];

/** The path of Playwright's own build of a browser, if it is on disk. */
function playwrightBrowser(name) {
  try {
    const path = require('playwright-core')[name].executablePath();
    return path && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

function missingBrowsers() {
  return BROWSERS.filter((b) => !existsSync(b.debianPath) && !playwrightBrowser(b.name));
}

function run(command, args) {
  console.log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    console.error(`ensure-browsers: ${command} exited with ${result.status ?? result.signal}`);
    process.exit(result.status || 1);
  }
}

let missing = missingBrowsers();
if (missing.length === 0) process.exit(0);

const names = missing.map((b) => b.name).join(' and ');
const isDebian = existsSync('/etc/debian_version');
const isRoot = process.getuid?.() === 0;

if (isDebian && isRoot) {
  console.log(`ensure-browsers: ${names} not found; installing the Debian packages.`);
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', 'chromium', 'firefox-esr']);
  missing = missingBrowsers();
  if (missing.length === 0) process.exit(0);
  console.error(`ensure-browsers: still missing after apt-get: ${missing.map((b) => b.debianPath).join(', ')}`);
  process.exit(1);
}

console.error(`ensure-browsers: the e2e tests need ${names}, which is not installed.`);
if (isDebian) {
  console.error('Install the Debian browsers:\n\n  sudo apt-get install -y chromium firefox-esr\n');
  console.error('or Playwright\'s own builds:\n\n  npx playwright install chromium firefox\n');
} else {
  console.error('Install Playwright\'s browsers:\n\n  npx playwright install chromium firefox\n');
}
process.exit(1);
