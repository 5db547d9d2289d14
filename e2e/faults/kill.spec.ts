/**
 * Whole-browser kills (issue 14): the browser is SIGKILLed, every process
 * of it, at a seeded random moment of a ledger workload — in the middle of
 * commits, of folds, of a backup restore, or of a migration — and relaunched
 * on the same profile. Then: every acknowledged transfer is there, nothing
 * is torn (audit, supply, balances equal to whole transfers), and retrying
 * each unanswered idempotency key applies it at most once.
 *
 * Chromium sometimes recreates the origin's IndexedDB empty after a kill;
 * the store reports STORAGE_LOST and `recoverStore` brings back its OPFS
 * copy. Those are counted apart (the browser's loss, detected), and the
 * recovered books must be a prefix of the acknowledged ones.
 *
 * FAULTS_SEED replays a run; FAULTS_KILLS sets the number of kills.
 */
import { test, expect, type Page } from '@playwright/test';
import { LEDGER_MIGRATIONS } from '../../src/ledger/schema';
import type { Migration } from '../../src/shared/types';
import { BankModel } from './bank-model';
import { scanLogFiles } from './disk-scan';
import { record } from './figures';
import type { KillMode, WorkPlan } from './kill-page';
import { launch, newProfile, removeProfile, type Engine, type Launched } from './launch';
import { SIZES } from './profile';
import { AIM, checkBooks, createBooks, planTransfers, runUntilAimed, toHarness } from './rounds';
import { derivedSeed, Rng, suiteSeed } from './rng';

const PLAYERS = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
const OPENING = 10_000n;
const SUPPLY = OPENING * BigInt(PLAYERS.length);
const NAME = 'kill-books';
const MODES: readonly KillMode[] = ['commit', 'commit', 'fold', 'fold', 'restore', 'migration'];

function migration(version: number): Migration {
  return {
    version,
    name: `copy of recent entries ${version}`,
    up: `CREATE TABLE mig_${version} (id INTEGER PRIMARY KEY, op TEXT NOT NULL, amount INTEGER NOT NULL) STRICT;
         INSERT INTO mig_${version} (op, amount) SELECT operation, amount FROM entry ORDER BY id DESC LIMIT 3000;
         CREATE INDEX mig_${version}_by_amount ON mig_${version} (amount);`,
  };
}

/** The harness in the browser's first tab. */
async function harnessPage(browser: Launched, baseURL: string): Promise<Page> {
  return toHarness(browser.context.pages()[0] ?? (await browser.context.newPage()), baseURL);
}

/** The store's log in IndexedDB (the default) and in OPFS (`log: 'opfs'`); FAULTS_LOG picks one. */
const LOGS = (['indexeddb', 'opfs'] as const).filter((log) => !process.env.FAULTS_LOG || process.env.FAULTS_LOG === log);

for (const log of LOGS) test(`whole-browser kills mid-commit, mid-fold, mid-restore and mid-migration lose, tear and double nothing (log in ${log})`, async ({ browserName, baseURL }) => {
  const engine = browserName as Engine;
  test.setTimeout(60_000 + SIZES.kills * 30_000);
  const seed = derivedSeed(suiteSeed(), log === 'opfs' ? `kill-${engine}-opfs` : `kill-${engine}`);
  test.info().annotations.push({ type: 'seed', description: `FAULTS_SEED-derived kill seed ${seed} (replay with FAULTS_SEED)` });
  console.log(`[faults] kill ${engine}: seed ${seed}, ${SIZES.kills} kills (replay: FAULTS_SEED=${process.env.FAULTS_SEED ?? '?'})`);
  const rng = new Rng(seed);
  const dir = newProfile(engine);
  const model = new BankModel(PLAYERS, OPENING);
  const migrations: Migration[] = [];
  const started = Date.now();
  let browser = await launch(engine, dir);
  const version = browser.version;
  let kills = 0;
  const byMode: Record<string, number> = {};
  try {
    await createBooks(await harnessPage(browser, baseURL!), NAME, PLAYERS, OPENING, log);

    for (let round = 1; round <= SIZES.kills; round++) {
      const mode = rng.pick(MODES);
      byMode[mode] = (byMode[mode] ?? 0) + 1;
      const aim = AIM[mode];
      const nth = rng.int(...aim.nth);
      const delay = rng.int(...aim.delay);
      const transfers = planTransfers(rng, PLAYERS, 3000);
      model.beginRound(round, transfers);
      const plan: WorkPlan = { name: NAME, mode, round, transfers, players: PLAYERS, migrations: [...migrations], compactAfterBytes: 2048 };
      if (mode === 'migration') {
        plan.newMigration = migration(LEDGER_MIGRATIONS.length + 1 + migrations.length);
        migrations.push(plan.newMigration);
        model.migrationStarted = plan.newMigration.version;
      }
      const page = await harnessPage(browser, baseURL!);
      const failure = await runUntilAimed(page, plan, model, nth, delay);
      await browser.kill();
      kills++;
      const onDisk = scanLogFiles(dir); // before the relaunch: what the kill left, for a failure's report
      if (failure() && !/CLOSED|worker|Target|closed/i.test(failure())) model.tally.problems.push(`round ${round} (${mode}): the workload failed before the kill: ${failure()}`);

      browser = await launch(engine, dir);
      const check = await harnessPage(browser, baseURL!);
      await checkBooks(check, model, NAME, migrations, SUPPLY, onDisk);
      const t = model.tally;
      if (round % 20 === 0) console.log(`[faults] kill ${engine}: ${round}/${SIZES.kills} kills, ${t.acked} acknowledged, STORAGE_LOST ${t.storageLost}`);
      if (t.problems.length > 0) {
        // Printed at once too: a run cut short (Ctrl-C, a CI timeout) loses the error the reporter would print at the end.
        console.log(`[faults] kill ${engine} (log in ${log}), round ${round} (${mode}) found: ${t.problems.join(' | ')}`);
        throw new Error(`kill round ${round} (${mode}, seed ${seed}, FAULTS_SEED=${process.env.FAULTS_SEED}) found: ${t.problems.join(' | ')}`);
      }
    }
  } finally {
    const t = model.tally;
    record({
      family: log === 'opfs' ? 'browser kill, OPFS log' : 'browser kill', engine, seed, rounds: SIZES.kills, kills, acked: t.acked, lost: t.lost, torn: t.torn, doubled: t.doubled,
      storageLost: t.storageLost, recoveries: t.recoveries, lostToBrowser: t.lostToBrowser, durability: 'strict', browserVersion: version,
      ms: Date.now() - started, note: `kills aimed at ${JSON.stringify(byMode)}; ${t.unackedDurable} unanswered transfers were durable, ${t.unackedRetried} retried`,
    });
    console.log(`[faults] kill ${engine} (log in ${log}): ${kills} kills, ${t.acked} acknowledged, lost ${t.lost}, torn ${t.torn}, doubled ${t.doubled}, STORAGE_LOST ${t.storageLost} (seed ${seed})`);
    await browser.close();
    removeProfile(dir);
  }
  expect(model.tally.problems, `seed ${seed}`).toEqual([]);
  expect({ lost: model.tally.lost, torn: model.tally.torn, doubled: model.tally.doubled }).toEqual({ lost: 0, torn: 0, doubled: 0 });
  expect(kills).toBe(SIZES.kills);
});
