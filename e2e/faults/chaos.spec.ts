/**
 * Multi-tab chaos: 2–5 tabs make random ledger transfers while tabs are
 * closed and crashed (Chromium) in the middle of a transfer and new ones
 * open, folds happen, and a backup is restored once. After every step,
 * Jepsen's bank checks: supply conserved, no negative balance, every
 * acknowledged transfer present (exactly once), all tabs converge.
 * An unanswered transfer of a dead tab is retried with its key: it must
 * replay if its commit survived, and apply once if not.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { record } from './figures';
import { SIZES } from './profile';
import { derivedSeed, Rng, suiteSeed } from './rng';
import { toHarness } from './rounds';

const NAME = 'chaos-books';
const PLAYERS = ['p0', 'p1', 'p2', 'p3'];
const OPENING = 1_000;
type Result = { ok: true; value: unknown } | { ok: false; code: string | undefined; typed: boolean; message: string };

/** Runs `body` in a tab with `L`, the tab's ledger (opened on first use). */
function inTab(page: Page, body: string, args: unknown = null): Promise<Result> {
  return page.evaluate(async ({ body, name, args }) => {
    const P = window.pacioli;
    const w = window as unknown as { chaos?: Awaited<ReturnType<typeof P.openLedger>> };
    try {
      w.chaos ??= await P.openLedger({ name });
      const fn = new Function('L', 'args', `return (async () => { ${body} })()`) as (l: unknown, a: unknown) => Promise<unknown>;
      const value = await fn(w.chaos, args);
      return { ok: true as const, value: JSON.parse(JSON.stringify(value ?? null, (_, v) => (typeof v === 'bigint' ? Number(v) : v))) };
    } catch (e) {
      return { ok: false as const, code: (e as { code?: string }).code, typed: P.isStoreError(e), message: String((e as Error).message) };
    }
  }, { body, name: NAME, args });
}

const TRANSFER = `const r = await L.transfer(args.from, args.to, BigInt(args.amount), { idempotencyKey: args.key }); return r.replayed;`;
const BALANCES = `return L.store.transaction(async (tx) => (await tx.query("SELECT ref, balance FROM account WHERE kind = 'player' ORDER BY ref")).map((r) => r.balance));`;

interface T { key: string; from: string; to: string; amount: number }

test('2–5 tabs under closes, crashes, reopens, folds and a restore keep the books: supply, no negative balance, every acknowledged transfer, convergence', async ({ context, baseURL, browserName }) => {
  test.setTimeout(120_000 + SIZES.chaosSteps * 8_000);
  const seed = derivedSeed(suiteSeed(), `chaos-${browserName}`);
  console.log(`[faults] chaos ${browserName}: seed ${seed} (replay: FAULTS_SEED=${process.env.FAULTS_SEED ?? '?'})`);
  const rng = new Rng(seed);
  const started = Date.now();
  const open = async (ctx: BrowserContext) => toHarness(await ctx.newPage(), baseURL!);
  let tabs = [await open(context), await open(context)];
  expect(await inTab(tabs[0]!, `for (const p of args) await L.createPlayer(p, ${OPENING}n); return 0;`, PLAYERS)).toMatchObject({ ok: true });
  let applied: T[] = [];
  let unknown: T[] = [];
  let backup: { keys: T[]; tab: Page } | null = null;
  let restored = false;
  let n = 0;
  const counts = { acked: 0, strikes: 0, folds: 0, typed: 0, untyped: 0, retried: 0 };
  const draw = (): T => {
    const from = rng.pick(PLAYERS);
    const to = PLAYERS[(PLAYERS.indexOf(from) + rng.int(1, PLAYERS.length - 1)) % PLAYERS.length]!;
    return { key: `c${n++}`, from, to, amount: rng.int(1, 60) };
  };
  const expected = (ts: T[]) => {
    const b: Record<string, number> = Object.fromEntries(PLAYERS.map((p) => [p, OPENING]));
    for (const t of ts) {
      b[t.from]! -= t.amount;
      b[t.to]! += t.amount;
    }
    return PLAYERS.map((p) => b[p]);
  };
  const fail = (step: number, what: string): never => {
    throw new Error(`chaos step ${step} (seed ${seed}, FAULTS_SEED=${process.env.FAULTS_SEED}): ${what}`);
  };
  const transferIn = async (tab: Page, t: T, step: number) => {
    const r = await inTab(tab, TRANSFER, t);
    if (r.ok) {
      if (r.value !== false) fail(step, `first call of ${t.key} was a replay`);
      applied.push(t);
      counts.acked++;
    } else if (!r.typed) fail(step, `untyped error ${r.message}`);
    else if (r.code === 'INSUFFICIENT_FUNDS') counts.typed++;
    else unknown.push(t);
  };

  try {
    for (let step = 1; step <= SIZES.chaosSteps; step++) {
      // The backup is taken a third of the way in and restored two thirds in, from the first tab (which is never struck).
      const scheduled = step === Math.ceil(SIZES.chaosSteps / 3) || step === Math.ceil((2 * SIZES.chaosSteps) / 3) ? 'backup' : null;
      const action = scheduled ?? rng.pick(['transfer', 'transfer', 'transfer', 'strike', 'open', 'fold']);
      const tab: Page | undefined = action === 'strike' ? rng.pick(tabs.slice(1)) : rng.pick(tabs);
      if (action === 'transfer') {
        for (let i = rng.int(1, 4); i > 0; i--) await transferIn(rng.pick(tabs), draw(), step);
      } else if (action === 'strike' && tab) {
        // A transfer is under way when the tab goes: its outcome is unknown until checked.
        const t = draw();
        unknown.push(t);
        void tab.evaluate(({ t, name }) => {
          const w = window as unknown as { chaos?: Awaited<ReturnType<typeof window.pacioli.openLedger>> };
          void (w.chaos ?? null)?.transfer(t.from, t.to, BigInt(t.amount), { idempotencyKey: t.key }).catch(() => undefined);
          return name;
        }, { t, name: NAME }).catch(() => undefined);
        await tab.waitForTimeout(rng.int(0, 25));
        if (browserName === 'chromium' && rng.next() < 0.5) {
          const crashed = new Promise<void>((r) => tab.once('crash', () => r()));
          void (await context.newCDPSession(tab)).send('Page.crash').catch(() => undefined);
          await crashed;
        }
        await tab.close().catch(() => undefined);
        tabs = tabs.filter((p) => p !== tab);
        counts.strikes++;
      } else if (action === 'open' && tabs.length < 5) {
        tabs.push(await open(context));
      } else if (action === 'fold') {
        const r = await inTab(tab, 'await L.store.compact(); return 0;');
        if (!r.ok) fail(step, `fold failed: ${r.code} ${r.message}`);
        counts.folds++;
      } else if (action === 'backup' && !restored) {
        if (!backup) {
          // The page function is plain JS: the backup stays in the tab for the restore.
          const r = await inTab(tabs[0]!, 'window.chaosBackup = await L.store.exportBackup(); return 0;');
          if (!r.ok) fail(step, `backup failed: ${r.message}`);
          backup = { keys: [...applied], tab: tabs[0]! };
        } else {
          const r = await inTab(backup.tab, 'await L.store.restoreBackup(window.chaosBackup); return 0;');
          if (!r.ok) fail(step, `restore failed: ${r.code} ${r.message}`);
          applied = [...backup.keys];
          restored = true;
        }
      }
      // Settle the unknown: present → it must replay; absent → it applies now, once.
      for (const t of unknown) {
        const r = await inTab(tabs[0]!, TRANSFER, t);
        counts.retried++;
        if (r.ok) applied.push(t);
        else if (r.code !== 'INSUFFICIENT_FUNDS') fail(step, `retry of ${t.key}: ${r.ok ? '' : r.message}`);
      }
      unknown = [];
      // Bank checks in every tab.
      const want = expected(applied);
      for (const [i, t] of tabs.entries()) {
        const r = await inTab(t, BALANCES);
        if (!r.ok) fail(step, `tab ${i} cannot read: ${r.code} ${r.message}`);
        if (r.ok && JSON.stringify(r.value) !== JSON.stringify(want)) fail(step, `tab ${i} shows ${JSON.stringify(r.value)}, the acknowledged transfers make ${JSON.stringify(want)}`);
      }
      const audit = await inTab(tabs[0]!, 'const a = await L.audit(); return [a.ok, a.totalSupply, a.problems];');
      if (!audit.ok || JSON.stringify((audit.ok ? (audit.value as unknown[]) : []).slice(0, 2)) !== JSON.stringify([true, OPENING * PLAYERS.length])) fail(step, `audit: ${JSON.stringify(audit)}`);
      if (want.some((b) => (b ?? 0) < 0)) fail(step, 'a negative balance');
      if (tabs.length < 2) tabs.push(await open(context));
    }
  } finally {
    record({ family: 'multi-tab chaos', engine: browserName, seed, rounds: SIZES.chaosSteps, kills: counts.strikes, acked: counts.acked, typedErrors: counts.typed, untypedErrors: counts.untyped, ms: Date.now() - started, note: `${counts.strikes} tabs closed or crashed mid-transfer, ${counts.folds} folds, restore ${restored ? 'done' : 'not reached'}, ${counts.retried} unanswered transfers retried` });
  }
});
