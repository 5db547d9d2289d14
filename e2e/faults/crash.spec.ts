/**
 * A tab's renderer crashes (Chromium `Page.crash`), or the store's worker is
 * terminated under it, at a seeded random moment of a ledger workload:
 * mid-commit or mid-fold. The browser (and its IndexedDB) lives on; a new
 * tab then must find every acknowledged transfer, nothing torn, and
 * retrying each unanswered key must apply it at most once.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { BankModel } from './bank-model';
import { record } from './figures';
import type { KillMode, WorkPlan } from './kill-page';
import { SIZES } from './profile';
import { derivedSeed, Rng, suiteSeed } from './rng';
import { AIM, checkBooks, createBooks, planTransfers, runUntilAimed, toHarness } from './rounds';
import { injectIntoWorkers } from '../worker-faults';

const PLAYERS = ['p0', 'p1', 'p2', 'p3'];
const OPENING = 5_000n;
const SUPPLY = OPENING * BigInt(PLAYERS.length);
const MODES: readonly KillMode[] = ['commit', 'fold'];

type Strike = (page: Page, context: BrowserContext) => Promise<void>;

/** Crashes the tab's renderer; the CDP call never answers, the page's `crash` event does. */
const crashRenderer: Strike = async (page, context) => {
  const crashed = new Promise<void>((resolve) => page.once('crash', () => resolve()));
  const cdp = await context.newCDPSession(page);
  void cdp.send('Page.crash').catch(() => undefined);
  await crashed;
};

/** Terminates every worker the page made (the store's among them), as a browser under memory pressure may. */
const terminateWorkers: Strike = async (page) => {
  await page.evaluate(() => {
    for (const worker of window.e2eWorkers ?? []) worker.terminate();
  });
};

async function rounds(family: string, strike: Strike, context: BrowserContext, baseURL: string, engine: string): Promise<void> {
  const seed = derivedSeed(suiteSeed(), `${family}-${engine}`);
  console.log(`[faults] ${family} ${engine}: seed ${seed}`);
  const rng = new Rng(seed);
  const model = new BankModel(PLAYERS, OPENING);
  const name = `${family.replace(/\W/g, '-')}-books`;
  const started = Date.now();
  let strikes = 0;
  try {
    const first = await toHarness(await context.newPage(), baseURL);
    await createBooks(first, name, PLAYERS, OPENING);
    await first.close();
    for (let round = 1; round <= SIZES.crashes; round++) {
      const mode = rng.pick(MODES);
      const aim = AIM[mode];
      const [nth, delay] = [rng.int(...aim.nth), rng.int(aim.delay[0], Math.min(aim.delay[1], 600))];
      const transfers = planTransfers(rng, PLAYERS, 3000);
      model.beginRound(round, transfers);
      const plan: WorkPlan = { name, mode, round, transfers, players: [...PLAYERS], migrations: [], compactAfterBytes: 2048 };
      const page = await context.newPage();
      // Keeps the page's workers on window.e2eWorkers, so a test can terminate them.
      await injectIntoWorkers(page, () => undefined, null);
      await toHarness(page, baseURL);
      await runUntilAimed(page, plan, model, nth, delay);
      await strike(page, context);
      strikes++;
      await page.close().catch(() => undefined);
      const check = await toHarness(await context.newPage(), baseURL);
      await checkBooks(check, model, name, [], SUPPLY);
      await check.close();
      if (model.tally.problems.length > 0) throw new Error(`${family} round ${round} (${mode}, seed ${seed}, FAULTS_SEED=${process.env.FAULTS_SEED}): ${model.tally.problems.join(' | ')}`);
    }
  } finally {
    const t = model.tally;
    record({ family, engine, seed, rounds: SIZES.crashes, kills: strikes, acked: t.acked, lost: t.lost, torn: t.torn, doubled: t.doubled, storageLost: t.storageLost, recoveries: t.recoveries, ms: Date.now() - started });
  }
  expect(model.tally.problems, `seed ${seed}`).toEqual([]);
  expect(strikes).toBe(SIZES.crashes);
}

test('a renderer crash mid-commit or mid-fold loses, tears and doubles nothing', async ({ context, baseURL, browserName }) => {
  test.skip(browserName !== 'chromium', 'Page.crash is a Chrome DevTools Protocol command');
  test.setTimeout(60_000 + SIZES.crashes * 20_000);
  await rounds('renderer crash', crashRenderer, context, baseURL!, browserName);
});

test('a worker terminated mid-commit or mid-fold loses, tears and doubles nothing', async ({ context, baseURL, browserName }) => {
  test.setTimeout(60_000 + SIZES.crashes * 20_000);
  await rounds('worker terminated', terminateWorkers, context, baseURL!, browserName);
});
