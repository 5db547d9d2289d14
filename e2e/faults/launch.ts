/**
 * Launches a whole browser on a persistent profile so that a test can
 * SIGKILL it (every process of it, as a crash or the OOM killer would) and
 * relaunch it on the same profile. Incognito contexts keep IndexedDB in
 * memory, so only a persistent profile can show what survived.
 *
 * Chromium is spawned by hand (detached, in its own process group) and
 * driven over CDP; Firefox is launched by Playwright as a persistent
 * context. Either way the kill takes every process whose command line names
 * the profile directory, which only this test's browser does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, firefox, type BrowserContext } from '@playwright/test';
import { chromiumLaunch, firefoxLaunch } from '../../scripts/browsers';

/** The engines the kill harness drives. */
export type Engine = 'chromium' | 'firefox';

/** A running browser on a persistent profile. */
export interface Launched {
  context: BrowserContext;
  version: string;
  /** SIGKILLs every process of this browser and waits until they are gone. */
  kill(): Promise<void>;
  /** Closes the browser normally (end of a test). */
  close(): Promise<void>;
}

/** A fresh profile directory under the OS temp dir. */
export function newProfile(engine: Engine): string {
  return mkdtempSync(join(tmpdir(), `pacioli-faults-${engine}-`));
}

/** Removes a profile directory (best effort: a browser may still be letting go of it). */
export function removeProfile(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

/** Pids of the processes whose command line contains `needle`. */
function pidsHolding(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(needle)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** SIGKILLs the processes naming `dir` (and the group `pgid`, if given), until none is left. */
async function killAll(dir: string, pgid?: number): Promise<void> {
  if (pgid !== undefined) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (let i = 0; i < 100; i++) {
    const left = pidsHolding(dir);
    if (left.length === 0) return;
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`browser processes on ${dir} survived SIGKILL`);
}

async function launchChromium(dir: string): Promise<Launched> {
  const { executablePath, args } = chromiumLaunch(['--disable-features=ProcessPerSiteUpToMainFrameThreshold']);
  const portFile = join(dir, 'DevToolsActivePort');
  rmSync(portFile, { force: true });
  const child: ChildProcess = spawn(
    executablePath ?? chromium.executablePath(),
    [...args, '--headless', `--user-data-dir=${dir}`, '--remote-debugging-port=0', 'about:blank'],
    { detached: true, stdio: 'ignore' },
  );
  const pgid = child.pid;
  if (pgid === undefined) throw new Error('chromium did not start');
  child.unref();
  let port = 0;
  for (let i = 0; i < 300 && !port; i++) {
    if (existsSync(portFile)) port = Number(readFileSync(portFile, 'utf8').split('\n')[0]);
    if (!port) await new Promise((r) => setTimeout(r, 50));
  }
  if (!port) {
    await killAll(dir, pgid);
    throw new Error('chromium did not open its DevTools port within 15 s');
  }
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
  const context = browser.contexts()[0] ?? (await browser.newContext());
  return {
    context,
    version: `Chromium ${browser.version()}`,
    kill: () => killAll(dir, pgid),
    close: async () => {
      await browser.close().catch(() => undefined);
      await killAll(dir, pgid);
    },
  };
}

async function launchFirefox(dir: string): Promise<Launched> {
  const { channel, executablePath } = firefoxLaunch();
  const context = await firefox.launchPersistentContext(dir, { channel, executablePath, headless: true });
  const version = `Firefox ${context.browser()?.version() ?? '?'}`;
  return {
    context,
    version,
    kill: () => killAll(dir),
    close: async () => {
      await context.close().catch(() => undefined);
      await killAll(dir);
    },
  };
}

/** Launches `engine` on the persistent profile `dir`. */
export function launch(engine: Engine, dir: string): Promise<Launched> {
  return engine === 'chromium' ? launchChromium(dir) : launchFirefox(dir);
}
