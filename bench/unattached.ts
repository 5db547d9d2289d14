/**
 * Cold opens in a browser that no automation is attached to.
 *
 * Under Playwright every new worker waits before its first line runs: the
 * driver attaches to it (in Chromium, CDP's auto-attach with
 * `waitForDebuggerOnStart`; in Firefox, the WebDriver BiDi session) and lets
 * it go only after a round trip through the Node process. On the 2-core
 * machine a bare module worker's first message came 48–61 ms (Chromium) and
 * 68–91 ms (Firefox) after `new Worker` under Playwright, and 7–24 ms and
 * 7–19 ms in the same browsers started by hand on the same pages. A store on
 * the page (Dexie) starts no worker and pays none of that, so a cold open
 * timed under Playwright charged every store in a worker (Pacioli, wa-sqlite,
 * SQLite WASM, PGlite) for the harness. Fetches made right after a
 * navigation were slower under Playwright in Firefox too.
 *
 * So the run's persistent profile is opened by the browser binary itself,
 * with no protocol session attached, on the first cold-open URL. Each cold
 * page posts its figure to the bench server (serve.ts), whose answer is the
 * next URL; after the last one the browser is asked to quit and the run goes
 * on under Playwright on the same profile.
 *
 * Quitting must be a normal shutdown: the profile's storage is used again
 * right after. Chromium takes SIGTERM as one (it exits with 0). Firefox dies
 * of it, as of SIGKILL, and after such a kill SQLite WASM's opfs-sahpool
 * once hung for the whole 400 s phase in the next store. So Firefox starts
 * with its WebDriver BiDi server listening, and no session until the end:
 * then one session asks it to close. A listening server with no session did
 * not slow a worker's start (probed: a bare worker 40 ms, the store's worker
 * bundle 78 ms, against 63 and 93 without it, on a busy machine).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { chromium, firefox } from '@playwright/test';
import { chromiumLaunch, firefoxLaunch } from '../scripts/browsers';
import { setColdReporter } from './serve';

/** What a cold page reports (cold.ts). */
export interface ColdReport {
  ms?: number;
  error?: string;
  stages?: { mark: string; ms: number }[];
}

/** How long the whole list may take before the browser is stopped and the phase fails. */
const LIST_TIMEOUT_MS = 300_000;
/** How long a browser may take to quit after it is asked to (BiDi or SIGTERM), and its other processes after it, before they are killed. */
const QUIT_MS = 20_000;

/** Opens `urls` one after another in `browser` on profile `dir`, unattached; their reports, in order. */
export async function coldUnattached(browser: string, dir: string, urls: readonly string[]): Promise<ColdReport[]> {
  if (urls.length === 0) return [];
  const reports: ColdReport[] = [];
  let child: ChildProcess | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`unattached cold opens: ${reports.length} of ${urls.length} reported in ${LIST_TIMEOUT_MS / 1000} s`)), LIST_TIMEOUT_MS);
      setColdReporter((body) => {
        reports.push(body as ColdReport);
        if (reports.length < urls.length) return reporting(urls[reports.length]!);
        clearTimeout(timer);
        resolve();
        return '';
      });
      child = spawnBrowser(browser, dir, reporting(urls[0]!));
      child.once('error', (e) => (clearTimeout(timer), reject(e)));
      child.once('exit', (code, signal) => (clearTimeout(timer), reject(new Error(`${browser} exited (${code ?? signal}) after ${reports.length} of ${urls.length} cold opens`))));
    });
  } finally {
    setColdReporter(undefined);
    if (child) await quit(child, browser === 'firefox' ? () => closeOverBidi(dir) : undefined);
  }
  return reports;
}

/** The URL with the flag that makes the page post its figure instead of waiting to be read. */
function reporting(url: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}report=1`;
}

function spawnBrowser(browser: string, dir: string, url: string): ChildProcess {
  // Detached: its own process group, so that a browser that will not quit can be killed whole.
  const options = { detached: true, stdio: 'ignore' as const };
  if (browser === 'chromium') {
    const { executablePath, args } = chromiumLaunch();
    return spawn(executablePath ?? chromium.executablePath(), [...args, '--headless', `--user-data-dir=${dir}`, url], options);
  }
  if (browser === 'firefox') {
    const { executablePath } = firefoxLaunch();
    rmSync(join(dir, BIDI_FILE), { force: true });
    return spawn(executablePath ?? firefox.executablePath(), ['--headless', '--no-remote', '--profile', dir, '--remote-debugging-port=0', url], options);
  }
  throw new Error(`unknown browser ${browser}`);
}

/** Where Firefox writes the port of its WebDriver BiDi server, in the profile. */
const BIDI_FILE = 'WebDriverBiDiServer.json';

/** Asks Firefox to close, through a WebDriver BiDi session opened for that alone. */
async function closeOverBidi(dir: string): Promise<void> {
  const { ws_port: port } = JSON.parse(readFileSync(join(dir, BIDI_FILE), 'utf8')) as { ws_port: number };
  const socket = new WebSocket(`ws://127.0.0.1:${port}/session`);
  await new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
  const send = (id: number, method: string) =>
    new Promise<void>((resolve, reject) => {
      socket.on('message', (data: Buffer) => {
        const reply = JSON.parse(data.toString()) as { id?: number; type: string; message?: string };
        if (reply.id !== id) return;
        if (reply.type === 'success') resolve();
        else reject(new Error(`BiDi ${method}: ${reply.message ?? reply.type}`));
      });
      socket.send(JSON.stringify({ id, method, params: method === 'session.new' ? { capabilities: {} } : {} }));
    });
  await send(1, 'session.new');
  await send(2, 'browser.close');
}

/**
 * A normal shutdown (the profile is left as a quit leaves it): `close` when given, else SIGTERM.
 * SIGKILL to the whole group if the browser is not gone in time.
 */
async function quit(child: ChildProcess, close?: () => Promise<void>): Promise<void> {
  const group = child.pid!;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let asked = false;
    if (close) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer in 10 s')), 10_000)));
      asked = await Promise.race([close(), late])
        .then(
          () => true,
          (e: unknown) => (console.error(`bench: asking the browser to close: ${String(e)}; SIGTERM instead`), false),
        )
        .finally(() => clearTimeout(timer));
    }
    if (!asked) child.kill('SIGTERM');
    await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, QUIT_MS))]);
  }
  // The browser's other processes (Chromium's storage service among them) finish their own shutdown after the
  // main one exits: wait for the group to empty, and kill only what is still there after that.
  const until = Date.now() + QUIT_MS;
  while (alive(group) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!alive(group)) return;
  process.kill(-group, 'SIGKILL');
  throw new Error(`the browser did not quit within ${QUIT_MS / 1000} s of being asked to`);
}

/** Whether a process of `group` is still running (a zombie, left for an init that may never reap it, is not). */
function alive(group: number): boolean {
  if (!existsSync('/proc')) return signalled(group);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // After the command's closing parenthesis: state, parent pid, process group.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === group && state !== 'Z') return true;
    } catch {
      // The process ended while we looked.
    }
  }
  return false;
}

/** Where there is no /proc: whether the group takes a signal (a zombie still does). */
function signalled(group: number): boolean {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
}
