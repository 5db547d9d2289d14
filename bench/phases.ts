/**
 * Phases of a browser run that use more than one tab or many callers:
 * workload 8 (concurrent callers in one tab), workload 6 (contention
 * between tabs) and the memory of one and of several tabs holding the
 * largest store. bench/run.ts calls them with its page and context.
 */
import type { ColdReport } from './unattached';
import type { BrowserContext, Page } from '@playwright/test';
import type { ContenderName } from './meta';
import type { BrowserResult } from './report';
import type { params as Params } from './run';

export interface PhaseContext {
  context: BrowserContext;
  url: string;
  params: typeof Params;
  result: BrowserResult;
  /** The current page (replaced after a failed phase). */
  page(): Page;
  home(): Promise<void>;
  attempt<T>(what: string, fn: () => Promise<T>): Promise<T | undefined>;
  /** Opens cold-open URLs one after another; each page's report, in order (cold-phase.ts). */
  coldRun(urls: readonly string[]): Promise<ColdReport[]>;
  log(...a: unknown[]): void;
}

/** Workload 8: 10 callers in one tab, each making its transfers one after another, against one caller. */
export async function callersPhase(ctx: PhaseContext): Promise<void> {
  for (const contender of ctx.params.callersContenders) {
    if (!ctx.params.contenders.includes(contender)) continue;
    await ctx.attempt(`callers ${contender}`, async () => {
      const name = `w8-${contender}`;
      const { callers, callerTransfers: each, contentionPlayers: players } = ctx.params;
      await ctx.page().evaluate(({ contender, name }) => window.bench.contendOpen(contender, name), { contender, name });
      await ctx.page().evaluate(({ name, players }) => window.bench.callersRun(name, 2, 20, players), { name, players }); // warm-up
      const one = await ctx.page().evaluate(({ name, each, players }) => window.bench.callersRun(name, 1, each, players), { name, each, players });
      const many = await ctx.page().evaluate(({ name, callers, each, players }) => window.bench.callersRun(name, callers, each, players), { name, callers, each, players });
      const tps = (x: { committed: number; ms: number }) => x.committed / (x.ms / 1000);
      ctx.result.callers.push({ contender, callers, each, one: { ...one, tps: tps(one) }, many: { ...many, tps: tps(many) }, ratio: tps(many) / tps(one) });
      ctx.log(`callers ${contender}: 1 caller ${tps(one).toFixed(0)}/s, ${callers} callers ${tps(many).toFixed(0)}/s (${(tps(many) / tps(one)).toFixed(2)}x)`);
      await ctx.page().evaluate(() => window.bench.wipe());
    });
  }
}

/** Workload 6: tabs of one origin making transfers among overlapping players, against one tab alone. */
export async function contentionPhase(ctx: PhaseContext): Promise<void> {
  for (const contender of ctx.params.contentionContenders) {
    if (!ctx.params.contenders.includes(contender)) continue;
    await ctx.attempt(`contention ${contender}`, async () => {
      const name = `w6-${contender}`;
      const { contentionMs: ms, contentionPlayers: players, contentionTabs: tabs } = ctx.params;
      await ctx.page().evaluate(({ contender, name }) => window.bench.contendOpen(contender, name), { contender, name });
      await ctx.page().evaluate(({ name, ms, players }) => window.bench.contendRun(name, ms / 4, 99, players), { name, ms, players }); // warm-up
      const one = await ctx.page().evaluate(({ name, ms, players }) => window.bench.contendRun(name, ms, 1, players), { name, ms, players });
      const pages: Page[] = [ctx.page()];
      for (let i = 1; i < tabs; i++) {
        const p = await ctx.context.newPage();
        await p.goto(ctx.url);
        await p.waitForSelector('body[data-ready="1"]', { state: 'attached' });
        await p.evaluate(({ contender, name }) => window.bench.contendOpen(contender, name), { contender, name });
        pages.push(p);
      }
      // One tab writing while the others only have the store open: what they cost it by taking in its commits.
      const alone = await ctx.page().evaluate(({ name, ms, players }) => window.bench.contendRun(name, ms, 2, players), { name, ms, players });
      const runs = await Promise.all(pages.map((p, i) => p.evaluate(({ name, ms, i, players }) => window.bench.contendRun(name, ms, 100 + i, players), { name, ms, i, players })));
      for (const p of pages.slice(1)) await p.close();
      const oneTps = one.committed / (one.ms / 1000);
      const manyTps = runs.reduce((s, r) => s + r.committed / (r.ms / 1000), 0);
      ctx.result.contention.push({ contender, tabs, players, ms, oneTab: { ...one, tps: oneTps }, oneOfMany: { ...alone, tps: alone.committed / (alone.ms / 1000) }, manyTabs: runs.map((r) => ({ ...r, tps: r.committed / (r.ms / 1000) })), manyTps, ratio: manyTps / oneTps });
      ctx.log(`contention ${contender}: 1 tab ${oneTps.toFixed(0)}/s, 1 tab writing with ${tabs - 1} open ${(alone.committed / (alone.ms / 1000)).toFixed(0)}/s, ${tabs} tabs ${manyTps.toFixed(0)}/s (${((manyTps / oneTps) * 100).toFixed(0)}%)`);
      await ctx.home();
      await ctx.page().evaluate(() => window.bench.wipe());
    });
  }
}

const errMsg = (e: unknown) => (e instanceof Error ? e.message.split('\n')[0]! : String(e)).replace(/^page\.evaluate: (Error: )?/, '').slice(0, 160);

/**
 * Page-plus-workers memory with `name` open in this tab, then in
 * `params.contentionTabs` tabs. Under COOP each tab is its own browsing
 * context group, so each measures its own page and workers, and the total
 * is their sum. A contender that cannot be opened by a second tab at once
 * (opfs-sahpool holds its files exclusively) is recorded as such.
 */
export async function memoryPhase(ctx: PhaseContext, contender: ContenderName, name: string, sizeMB: number): Promise<void> {
  const tabs = ctx.params.contentionTabs;
  await ctx.attempt(`memory ${contender} @ ${sizeMB} MB`, async () => {
    const one = await ctx.page().evaluate(() => window.bench.memoryNow());
    const entry: BrowserResult['memory'][number] = { contender, sizeMB, tabs, oneTab: one?.bytes ?? null, manyTabs: null, perTab: [], source: one?.source ?? 'not reported by this browser' };
    ctx.result.memory.push(entry);
    if (!one) return;
    const pages: Page[] = [];
    try {
      for (let i = 1; i < tabs; i++) {
        const p = await ctx.context.newPage();
        pages.push(p);
        await p.goto(ctx.url);
        await p.waitForSelector('body[data-ready="1"]', { state: 'attached' });
        await p.evaluate(
          ({ contender, name }) =>
            Promise.race([window.bench.openAndRead(contender, name), new Promise((_, reject) => setTimeout(() => reject(new Error('did not open within 30 s')), 30_000))]),
          { contender, name },
        );
      }
      for (const p of [ctx.page(), ...pages]) entry.perTab.push((await p.evaluate(() => window.bench.memoryNow()))?.bytes ?? NaN);
      entry.manyTabs = entry.perTab.reduce((a, b) => a + b, 0);
      ctx.log(`memory ${contender} @ ${sizeMB} MB: 1 tab ${(one.bytes / 1048576).toFixed(0)} MB, ${tabs} tabs ${(entry.manyTabs / 1048576).toFixed(0)} MB`);
    } catch (e) {
      entry.note = `a second tab could not open it: ${errMsg(e)}`;
      ctx.log(`memory ${contender} @ ${sizeMB} MB: 1 tab ${(one.bytes / 1048576).toFixed(0)} MB; ${entry.note}`);
    } finally {
      for (const p of pages) await p.close().catch(() => undefined);
    }
  });
}
