/**
 * Sync beyond one device, in real browsers against a real server and
 * PostgreSQL (sync-server.ts): two devices are two browser contexts, each
 * with its own IndexedDB, driven through the app's Sync panel by role and name.
 */
import AxeBuilder from '@axe-core/playwright';
import { addPlayer, balanceCell, go, openApp, WCAG } from './app-fixtures';
import { startHoldProxy } from './hold-proxy';
import { books, expect, send, serverView, share, sharedPair, synced, test } from './sync-fixtures';

test('two devices go offline, send tokens, come back, and hold the same balances and history', async ({ page, context, browser, syncServer }, testInfo) => {
  test.slow();
  const other = await sharedPair(page, browser, testInfo, syncServer.url, [
    ['ann', '100'],
    ['bo', '50'],
  ]);
  await go(other.page, 'Players');
  await expect(balanceCell(other.page, 'bo')).toHaveAttribute('data-balance', '50');

  await context.setOffline(true);
  await other.context.setOffline(true);
  await send(page, 'ann', 'bo', '10');
  await send(other.page, 'bo', 'ann', '5');
  await send(other.page, 'ann', 'bo', '1');
  await go(other.page, 'Sync');
  await expect(other.page.getByLabel('Sync status').locator('dd[data-pending]')).toHaveAttribute('data-pending', '2');
  await expect(other.page.getByRole('table', { name: 'Pending operations' }).getByRole('row')).toHaveCount(3);

  await context.setOffline(false);
  await other.context.setOffline(false);
  await synced(page);
  await synced(other.page);
  await expect.poll(async () => (await books(context)).balances).toEqual({ ann: '94', bo: '56' });
  await expect.poll(async () => (await books(other.context)).balances).toEqual({ ann: '94', bo: '56' });
  const [a, b] = [await books(context), await books(other.context)];
  expect(b.history).toEqual(a.history);
  expect(a.history.ann).toHaveLength(4);
  for (const x of [a, b]) expect(x.audit).toEqual({ ok: true, problems: [], totalSupply: '150' });
  expect((await serverView(syncServer.url, a)).audit).toMatchObject({ ok: true, totalSupply: '150' });
  const { violations } = await new AxeBuilder({ page: other.page }).withTags(WCAG).analyze();
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  await other.context.close();
});

test('both devices spend the same tokens offline: one spend is accepted, the other rejected and shown, none minted', async ({ page, context, browser, syncServer }, testInfo) => {
  test.slow();
  const other = await sharedPair(
    page,
    browser,
    testInfo,
    syncServer.url,
    [
      ['ann', '100'],
      ['bo', '0'],
    ],
    'link',
  );
  await go(other.page, 'Players');
  await expect(balanceCell(other.page, 'ann')).toHaveAttribute('data-balance', '100');

  await context.setOffline(true);
  await other.context.setOffline(true);
  await send(page, 'ann', 'bo', '80');
  await send(other.page, 'ann', 'bo', '70'); // the local books allow it: ann still has 100 here
  await context.setOffline(false);
  await synced(page);
  await other.context.setOffline(false);
  await synced(other.page);

  const rejected = other.page.getByRole('table', { name: 'Rejected operations' });
  await expect(rejected.getByRole('row').filter({ hasText: 'ann sends 70 to bo' })).toContainText('INSUFFICIENT_FUNDS: player ann has 20, cannot pay 70');
  await expect(page.getByText('The server has rejected nothing.')).toBeVisible();
  for (const device of [context, other.context]) {
    await expect.poll(async () => (await books(device)).balances).toEqual({ ann: '20', bo: '80' });
    expect((await books(device)).audit).toEqual({ ok: true, problems: [], totalSupply: '100' });
  }
  const server = await serverView(syncServer.url, await books(context));
  expect(server.audit).toMatchObject({ ok: true, totalSupply: '100' });
  expect(server.ops.filter((o) => o.type === 'transfer')).toHaveLength(1);
  await other.context.close();
});

test('a device that reloads in the middle of a push loses nothing and applies nothing twice', async ({ page, context, syncServer }) => {
  test.slow();
  const proxy = await startHoldProxy(syncServer.url, Number(new URL(syncServer.url).port) + 1);
  try {
    await openApp(page);
    await share(page, proxy.url);
    await addPlayer(page, 'ann', '100');
    await addPlayer(page, 'bo', '0');
    await synced(page);
    await context.setOffline(true);
    for (const amount of ['1', '2', '3']) await send(page, 'ann', 'bo', amount);

    // The push reaches the server, which applies it; its answer never reaches the page, which reloads.
    const lost = proxy.loseNextPushAnswer();
    await context.setOffline(false);
    expect(await lost).toBe(200);
    const resent = page.waitForRequest('**/v1/ledgers/*/push');
    await page.reload();
    await resent; // the same ops, numbers and keys again: the server answers with their first outcomes
    await synced(page);

    const mine = await books(context);
    expect(mine.balances).toEqual({ ann: '94', bo: '6' });
    expect(mine.history.bo).toEqual(['transfer 1 ', 'transfer 2 ', 'transfer 3 ']);
    expect(mine.audit.ok).toBe(true);
    expect(mine.sync.outbox).toBe(0);
    const server = await serverView(syncServer.url, mine);
    expect(server.ops.map((o) => o.type)).toEqual(['createPlayer', 'createPlayer', 'transfer', 'transfer', 'transfer']);
    expect(new Set(server.keys).size).toBe(server.keys.length);
    expect(server.audit).toMatchObject({ ok: true, totalSupply: '100' });
  } finally {
    await proxy.close();
  }
});

test('the server is killed mid-sync and restarted, then PostgreSQL is: nothing is lost or doubled', async ({ page, context, browser, syncServer }, testInfo) => {
  test.slow();
  const other = await sharedPair(page, browser, testInfo, syncServer.url, [
    ['ann', '1000'],
    ['bo', '0'],
  ]);

  await context.setOffline(true);
  for (const amount of ['1', '2', '3', '4']) await send(page, 'ann', 'bo', amount);
  const killed = page.waitForRequest('**/v1/ledgers/*/push').then(() => syncServer.kill());
  await context.setOffline(false);
  await killed;
  await page.waitForTimeout(500);
  await syncServer.start();
  await synced(page);

  // bo spends on the other device what it received: that device reconnects after the restart on its own
  // schedule, so wait until it has pulled the first round (bo's 10) before it sends.
  await expect.poll(async () => (await books(other.context)).balances, { timeout: 30_000 }).toEqual({ ann: '990', bo: '10' });
  await context.setOffline(true);
  for (const amount of ['5', '6']) await send(page, 'ann', 'bo', amount);
  await send(other.page, 'bo', 'ann', '7');
  const exitsBefore = syncServer.selfExits.length;
  const crashed = page.waitForRequest('**/v1/ledgers/*/push').then(() => syncServer.crashDatabase());
  await context.setOffline(false);
  await crashed;
  await page.waitForTimeout(500);
  syncServer.restartDatabase();
  await synced(page);
  await synced(other.page);

  // Known: the server process may die with PostgreSQL (a postgres.js defect); its supervisor restarts it. Reported, not hidden.
  for (const exit of syncServer.selfExits.slice(exitsBefore)) {
    test.info().annotations.push({ type: 'sync server exited by itself', description: exit });
    console.log(`[${test.info().project.name}] the sync server exited by itself and was restarted: ${exit}`);
  }
  const expected = { ann: String(1000 - 21 + 7), bo: String(21 - 7) };
  await expect.poll(async () => (await books(context)).balances, { timeout: 30_000 }).toEqual(expected);
  await expect.poll(async () => (await books(other.context)).balances, { timeout: 30_000 }).toEqual(expected);
  const [a, b] = [await books(context), await books(other.context)];
  expect(b.history).toEqual(a.history);
  expect(a.history.bo).toHaveLength(7);
  const server = await serverView(syncServer.url, a);
  expect(server.ops.filter((o) => o.type === 'transfer')).toHaveLength(7);
  expect(new Set(server.keys).size).toBe(server.keys.length);
  expect(server.audit).toMatchObject({ ok: true, totalSupply: '1000' });
  for (const x of [a, b]) expect(x.audit).toEqual({ ok: true, problems: [], totalSupply: '1000' });
  await other.context.close();
});
