/**
 * One fault round, shared by the kill, crash and worker-termination tests:
 * start the ledger workload in a page, wait for the moment the round aims
 * at, let the test strike, then check the books in a fresh page and retry
 * what was left unanswered.
 */
import type { Page } from '@playwright/test';
import type { Migration } from '../../src/shared/types';
import type { BankModel } from './bank-model';
import type { Rng } from './rng';
import { finish, inspect, retry, startWork, storageView, type KillMode, type Report, type WorkPlan } from './kill-page';

/** Where in the workload each mode aims, and the spread of the strike after it (ms). */
export const AIM: Record<KillMode, { event: Report['t']; nth: [number, number]; delay: [number, number] }> = {
  commit: { event: 'ack', nth: [1, 1], delay: [0, 1200] },
  fold: { event: 'fold-start', nth: [1, 3], delay: [0, 30] },
  restore: { event: 'restore-start', nth: [1, 1], delay: [0, 60] },
  migration: { event: 'migrate-start', nth: [1, 1], delay: [0, 400] },
};

/** Navigates `page` to the harness and waits until it is ready. */
export async function toHarness(page: Page, baseURL: string): Promise<Page> {
  await page.goto(`${baseURL}/e2e/harness.html`);
  await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
  return page;
}

/** Creates the players of a fresh ledger `name` in `page`. */
export async function createBooks(page: Page, name: string, players: readonly string[], opening: bigint, log: 'indexeddb' | 'opfs' = 'indexeddb'): Promise<void> {
  // With `log: 'opfs'` the books keep their log in OPFS; it sticks: every later open, asked or not, appends there.
  await page.evaluate(async ({ name, players, opening, log }) => {
    const ledger = await window.pacioli.openLedger({ name, log });
    for (const p of players) await ledger.createPlayer(p, BigInt(opening));
    await ledger.store.close();
    if (log === 'opfs') await (await navigator.storage.getDirectory()).getDirectoryHandle('pacioli-log'); // throws if the log is not there
  }, { name, players: [...players], opening: Number(opening), log });
}

/** Orders workload keys `r<round>-<i>` by round, then by i. */
function keyOrder(key: string): number {
  const [round, i] = key.slice(1).split('-').map(Number);
  return round! * 1e6 + i!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `plan` in `page` feeding `model`, waits for the `nth` report of
 * the aimed kind (at most 15 s), then `delay` ms. Returns a failure the
 * workload reported before, if any.
 */
export async function runUntilAimed(page: Page, plan: WorkPlan, model: BankModel, nth: number, delay: number): Promise<() => string> {
  const aim = AIM[plan.mode];
  let seen = 0;
  let failure = '';
  const aimed = new Promise<void>((resolve) => {
    page.on('console', (message) => {
      const text = message.text();
      if (!text.startsWith('FAULT ')) return;
      const report = JSON.parse(text.slice(6)) as Report;
      model.observe(report);
      if (report.t === 'fail') failure ||= `${report.what}: ${report.code}: ${report.message}`;
      if (report.t === aim.event && ++seen === nth) resolve();
    });
  });
  await page.evaluate(startWork, plan);
  await Promise.race([aimed, sleep(15_000)]);
  await sleep(delay);
  return () => failure;
}

/**
 * After the strike: inspects the books in `page`, checks them against
 * `model`, retries, checks again. When the check finds a problem, the
 * report adds the storage as the page saw it before opening the store, and
 * `onDisk`: what Node read of the log files on disk right after the kill
 * (disk-scan.ts), if given.
 */
export async function checkBooks(page: Page, model: BankModel, name: string, migrations: Migration[], supply: bigint, onDisk?: string[]): Promise<void> {
  const storage = await page.evaluate(storageView, name).catch((e: unknown) => [`reading the storage failed: ${String(e)}`]);
  const found = await page.evaluate(inspect, { name, migrations, players: [...model.players] });
  const before = model.tally.problems.length;
  const { retry: again, durableUnacked } = model.check(found, supply, migrations.map((m) => m.version));
  if (model.tally.problems.length > before) {
    const newest = found.keys.filter((k) => /^r\d+-\d+$/.test(k)).sort((a, b) => keyOrder(a) - keyOrder(b)).at(-1);
    model.tally.problems.push(`(the store opened with ${found.keys.length} keys, the newest ${newest ?? 'none'}; before it opened, the page saw: ${storage.join('; ')}${onDisk ? `; on disk after the kill: ${onDisk.join('; ') || 'no log file'}` : ''})`);
  }
  // A store that did not open has nothing to retry on or read: the caller reports the problem recorded above.
  if (found.openError) return;
  const outcomes = await page.evaluate(retry, again);
  const balances = await page.evaluate(finish, [...model.players]);
  model.afterRetry(again, durableUnacked, outcomes, balances);
}

/** `count` random transfers among `players` (small amounts, so refusals are rare but possible). */
export function planTransfers(rng: Rng, players: readonly string[], count: number): WorkPlan['transfers'] {
  const out: WorkPlan['transfers'] = [];
  for (let i = 0; i < count; i++) {
    const from = rng.pick(players);
    let to = rng.pick(players);
    if (to === from) to = players[(players.indexOf(from) + 1) % players.length]!;
    out.push({ from, to, amount: rng.int(1, 40) });
  }
  return out;
}
