/**
 * The origin's storage wiped under a running app with two tabs: Chromium
 * through CDP Storage.clearDataForOrigin, Firefox by deleting the store's
 * databases from a page of the origin. Neither tab may go on as an empty
 * ledger, and the tabs may not go on disagreeing: after the wipe both keep
 * writing, and every tab (and a tab opened later) must show the same books,
 * equal to the acknowledged transfers, with supply conserved.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { record } from './figures';
import { toHarness } from './rounds';

const NAME = 'wiped-books';
type Result = { ok: true; value: number[] } | { ok: false; code: string | undefined; typed: boolean; message: string };

/** A ledger operation in a tab on `window.wipedLedger` (opened on first use). */
function op(page: Page, body: string): Promise<Result> {
  return page.evaluate(async ({ body, name }) => {
    const P = window.pacioli;
    const w = window as unknown as { wipedLedger?: Awaited<ReturnType<typeof P.openLedger>> };
    try {
      w.wipedLedger ??= await P.openLedger({ name });
      const L = w.wipedLedger;
      const fn = new Function('L', `return (async () => { ${body} })()`) as (l: unknown) => Promise<number[]>;
      return { ok: true as const, value: await fn(L) };
    } catch (e) {
      return { ok: false as const, code: (e as { code?: string }).code, typed: P.isStoreError(e), message: String((e as Error).message) };
    }
  }, { body, name: NAME });
}

const transfer = (from: string, to: string, amount: number, key: string) => `await L.transfer('${from}', '${to}', ${amount}n, { idempotencyKey: '${key}' }); return [];`;
/** Balances read inside a transaction, which catches up with every tab's commits first. */
const balancesTx = `return L.store.transaction(async (tx) => (await tx.query("SELECT ref, balance FROM account WHERE kind = 'player' ORDER BY ref")).map((r) => Number(r.balance)));`;

async function wipe(context: BrowserContext, page: Page, browserName: string, baseURL: string): Promise<string> {
  if (browserName === 'chromium') {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.clearDataForOrigin', { origin: new URL(baseURL).origin, storageTypes: 'indexeddb' });
    await cdp.detach();
    return 'cleared';
  }
  // Firefox: delete the databases from a page; open connections get `versionchange` and must let go, or the delete stays blocked.
  const wiper = await toHarness(await context.newPage(), baseURL);
  const outcome = await wiper.evaluate(async (name) => {
    const results: string[] = [];
    for (const db of [`pacioli:${name}`, `pacioli:${name}:snapshots`]) {
      results.push(
        await new Promise<string>((resolve) => {
          const request = indexedDB.deleteDatabase(db);
          request.onsuccess = () => resolve('deleted');
          request.onerror = () => resolve(`error ${request.error?.name}`);
          request.onblocked = () => setTimeout(() => resolve('blocked'), 5_000);
        }),
      );
    }
    return results.join(', ');
  }, NAME);
  await wiper.close();
  return outcome;
}

for (const early of [false, true]) {
test(`storage wiped under two running tabs${early ? ', a third tab opening before anyone writes again' : ''}: no tab goes on as an empty ledger, no acknowledged transfer is lost, the tabs do not disagree`, async ({ context, baseURL, browserName }) => {
  test.setTimeout(120_000);
  const started = Date.now();
  const a = await toHarness(await context.newPage(), baseURL!);
  const b = await toHarness(await context.newPage(), baseURL!);
  expect(await op(a, `await L.createPlayer('p0', 1000n); await L.createPlayer('p1', 1000n); await L.createPlayer('p2', 1000n); return [];`)).toMatchObject({ ok: true });
  const balances = [1000, 1000, 1000];
  const acked = (from: number, to: number, amount: number) => {
    balances[from]! -= amount;
    balances[to]! += amount;
  };
  let n = 0;
  let typed = 0;
  const problems: string[] = [];
  const step = async (tab: Page, from: number, to: number, amount: number) => {
    const r = await op(tab, transfer(`p${from}`, `p${to}`, amount, `w${n++}`));
    if (r.ok) acked(from, to, amount);
    else if (r.typed) typed++;
    else problems.push(`untyped error: ${r.message}`);
    return r;
  };
  await step(a, 0, 1, 10);
  await step(b, 1, 2, 20);
  await step(a, 2, 0, 5);
  await step(b, 0, 2, 7); // b wrote last: it holds the write lease when the storage goes
  const how = await wipe(context, a, browserName, baseURL!);
  let early3 = '';
  if (early) {
    // A tab that opens now finds no IndexedDB for a store that existed: it must say so, not start empty.
    const opened = await op(await toHarness(await context.newPage(), baseURL!), 'return [];');
    early3 = opened.ok ? 'opened' : `${opened.code}`;
    if (opened.ok) problems.push('a tab opened after the wipe, before any write, opened without a word');
    else if (opened.code === 'STORAGE_LOST') {
      // The app does what the error offers: recover, then open.
      const recovered = await a.evaluate(async (name) => window.e2e.settle(window.pacioli.recoverStore(name)), NAME);
      early3 += `, recoverStore: ${recovered.ok ? 'ok' : recovered.error.code}`;
    }
  }

  // Both tabs go on writing, in turns.
  for (let i = 0; i < 6; i++) await step(i % 2 ? b : a, i % 3, (i + 1) % 3, 3 + i);
  await a.waitForTimeout(1_500); // a poll of the log, at the latest
  const c = await toHarness(await context.newPage(), baseURL!);
  const views: Record<string, Result> = {};
  for (const [label, tab] of [['tab A', a], ['tab B', b], ['a tab opened after the wipe', c]] as const) {
    views[label] = await op(tab, balancesTx);
  }
  for (const [label, view] of Object.entries(views)) {
    if (!view.ok) problems.push(`${label} cannot read the books: ${view.code}: ${view.message}`);
    else if (JSON.stringify(view.value) !== JSON.stringify(balances)) problems.push(`${label} shows ${JSON.stringify(view.value)}, the acknowledged transfers make ${JSON.stringify(balances)}`);
  }
  const audit = await op(c, `const r = await L.audit(); return [r.ok ? 1 : 0, Number(r.totalSupply)];`);
  if (!audit.ok || audit.value[0] !== 1 || audit.value[1] !== 3000) problems.push(`audit after the wipe: ${JSON.stringify(audit)}`);
  record({ family: 'storage wiped', engine: browserName, rounds: 1, injected: 1, acked: n, typedErrors: typed, untypedErrors: problems.filter((p) => p.startsWith('untyped')).length, ms: Date.now() - started, note: `wipe: ${how}${early ? `; a tab opened before any write: ${early3}` : ''}; ${problems.length} problems` });
  expect(problems, `wipe: ${how}`).toEqual([]);
});
}
