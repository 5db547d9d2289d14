/**
 * How a tab takes in other tabs' commits. An idle tab applies what others
 * announce together, a short while after the first announcement, instead
 * of one commit at a time: applying each one as it arrives cost a busy
 * writer in another tab about half its throughput on two cores. Every call
 * still sees what its tab has heard of: a read first applies what was
 * announced before it.
 */
import type { Page } from '@playwright/test';
import { expect, gotoHarness, test } from './fixtures';
import { injectIntoWorkers, reportHeard } from './worker-faults';

async function twoTabs(page: Page, name: string): Promise<[Page, Page]> {
  const other = await page.context().newPage();
  await gotoHarness(other);
  for (const p of [page, other]) {
    await p.evaluate(async (name) => {
      window.stores[name] = await window.pacioli.openStore({ name, compactAfterBytes: 64 * 1024 * 1024 });
    }, name);
  }
  return [page, other];
}

test('an idle tab takes in a burst of another tab’s commits in a few batches, not one by one', async ({ harness }) => {
  const [a, b] = await twoTabs(harness, 'burst');
  await a.evaluate(() => window.stores.burst!.run('CREATE TABLE t(x INTEGER)'));
  await expect.poll(() => b.evaluate(async () => (await window.stores.burst!.stats()).seq)).toBe(1);
  const before = await b.evaluate(() => window.stores.burst!.stats());
  const ms = await a.evaluate(async () => {
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) await window.stores.burst!.run('INSERT INTO t VALUES (?)', [i]);
    return performance.now() - t0;
  });
  await expect.poll(() => b.evaluate(async () => Number((await window.stores.burst!.query<{ n: number }>('SELECT count(*) AS n FROM t'))[0]!.n))).toBe(100);
  const after = await b.evaluate(() => window.stores.burst!.stats());
  expect(after.caughtUp - before.caughtUp).toBe(100);
  expect(after.fullLoads).toBe(before.fullLoads);
  // At most one batch per wait of 20 ms while the burst lasts, one for its tail, the reads above,
  // and the once-a-second poll: far fewer than the 100 commits (the old behaviour was about 100).
  const batches = after.catchUps - before.catchUps;
  expect(batches).toBeLessThanOrEqual(Math.ceil(ms / 20) + 4 + Math.ceil(ms / 1000));
  expect(batches).toBeLessThan(50);
});

test('a plain read applies what its tab has heard of before it answers', async ({ harness }) => {
  const b = await harness.context().newPage();
  await injectIntoWorkers(b, reportHeard, undefined);
  await gotoHarness(b);
  for (const p of [harness, b]) {
    await p.evaluate(async () => {
      window.stores.heard = await window.pacioli.openStore({ name: 'heard', compactAfterBytes: 64 * 1024 * 1024 });
    });
  }
  await harness.evaluate(() => window.stores.heard!.run('CREATE TABLE t(x INTEGER)'));
  await expect.poll(() => b.evaluate(async () => (await window.stores.heard!.stats()).seq)).toBe(1);
  // As soon as tab b's worker has heard tab a's announcement (it says so), a read must already see the
  // row, though the idle tab's batched catch-up (20 ms later) has not run yet.
  const seen = b.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const channel = new BroadcastChannel('e2e-faults');
        channel.onmessage = async (event: MessageEvent<{ heard?: number }>) => {
          if (event.data?.heard !== 2) return;
          channel.close();
          resolve(Number((await window.stores.heard!.query<{ n: number }>('SELECT count(*) AS n FROM t'))[0]!.n));
        };
      }),
  );
  await b.waitForTimeout(50); // the listener is in place
  await harness.evaluate(() => window.stores.heard!.run('INSERT INTO t VALUES (1)'));
  expect(await seen).toBe(1);
});
