/**
 * Which browsers the e2e tests and the benchmarks launch, and how. On Debian
 * machines Playwright cannot download its own browsers, so the distribution's
 * `chromium` and `firefox-esr` are used when installed; anywhere else (a
 * laptop) Playwright's own, from `npx playwright install chromium firefox`.
 */
import { existsSync } from 'node:fs';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const DEBIAN_FIREFOX = '/usr/bin/firefox-esr';

/** As root Chromium needs --no-sandbox; the rest keep it quiet on a closed network. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu', '--no-first-run'];

/** Chromium launch options, with `extraArgs` after the common flags. */
export function chromiumLaunch(extraArgs: readonly string[] = []): { executablePath?: string; args: string[] } {
  const args = [...CHROMIUM_ARGS, ...extraArgs];
  return existsSync(DEBIAN_CHROMIUM) ? { executablePath: DEBIAN_CHROMIUM, args } : { args };
}

/** Firefox ESR is driven over WebDriver BiDi (the `moz-firefox` channel). */
export function firefoxLaunch(): { channel?: string; executablePath?: string } {
  return existsSync(DEBIAN_FIREFOX) ? { channel: 'moz-firefox', executablePath: DEBIAN_FIREFOX } : {};
}
