/**
 * Workload 5, the cold open: navigation to the first answered query, each
 * figure the median of `BENCH_COLD_REPEATS` opens after `BENCH_COLD_SETTLE_MS`
 * on an idle page and `BENCH_COLD_WARMUPS` untimed opens. Pacioli's cases
 * also time a raw IndexedDB read of as many bytes, a bare module worker (at
 * the first size) and one open with its stage marks. The pages are opened by
 * `PhaseContext.coldRun`: in a browser no automation is attached to
 * (unattached.ts, the default), or by Playwright (`BENCH_COLD_DRIVER=playwright`).
 */
import type { Page } from '@playwright/test';
import type { PhaseContext } from './phases';
import type { ColdReport } from './unattached';

/** One store's cold open: its contender, size, database name and file size. */
export interface ColdCase {
  contender: string;
  sizeMB: number;
  name: string;
  bytes: number;
  /** The first cold size: the bare worker is timed once, there. */
  first: boolean;
}

/** Times `c`'s cold opens (and for Pacioli the raw read, the bare worker and the stages) into `ctx.result`. */
export async function coldPhase(ctx: PhaseContext, c: ColdCase): Promise<void> {
  const { params, url } = ctx;
  const repeats = Math.max(1, params.coldRepeats);
  const times = (query: string) => Array.from({ length: repeats }, () => `${url}?${query}`);
  const store = `cold=${c.contender}&name=${encodeURIComponent(c.name)}`;
  const pacioli = c.contender === 'pacioli-strict';
  // Untimed opens first, of the same store: a browser just started (unattached.ts) answers its first pages
  // two to four times slower while it fills its caches (the page's and the worker's compiled code, the wasm's).
  // And a quiet moment before them: a browser just started on a profile that has seen heavy writes still
  // has its own work to do (IndexedDB compacting among it), which a cold open of a large store then shares.
  const warm = [...(params.coldSettleMs > 0 ? [`${url}?cold=settle&ms=${params.coldSettleMs}`] : []), ...Array.from({ length: params.coldWarmups }, () => `${url}?${store}`)];
  const urls = [
    ...warm,
    ...times(store),
    ...(pacioli ? [`${url}?cold=raw-prepare&bytes=${c.bytes}`, ...times('cold=raw')] : []),
    ...(pacioli && c.first ? times('cold=worker') : []),
    ...(pacioli ? [`${url}?${store}&stages=1`] : []),
  ];
  const reports = await ctx.coldRun(urls);
  const failed = reports.find((r) => r.error !== undefined || r.ms === undefined);
  if (failed || reports.length !== urls.length) throw new Error(failed?.error ?? `${reports.length} of ${urls.length} cold pages reported`);
  let at = warm.length;
  const next = (n: number) => median(reports.slice(at, (at += n)).map((r) => r.ms!));
  const own = next(repeats);
  ctx.result.cold.push({ contender: c.contender, sizeMB: c.sizeMB, ...own });
  ctx.log(`cold open ${c.contender} @ ${c.sizeMB} MB: ${own.ms.toFixed(0)} ms`);
  if (!pacioli) return;
  at++; // the raw read's bytes, written
  const raw = next(repeats);
  ctx.result.cold.push({ contender: 'raw-idb-read', sizeMB: c.sizeMB, bytes: c.bytes, ...raw });
  ctx.log(`cold open raw IndexedDB read of ${(c.bytes / 1048576).toFixed(1)} MB: ${raw.ms.toFixed(0)} ms`);
  if (c.first) {
    // The floor of any store in a worker, which Dexie (on the page) does not pay: once, at the first size.
    const bare = next(repeats);
    ctx.result.cold.push({ contender: 'bare-worker', sizeMB: c.sizeMB, ...bare });
    ctx.log(`cold open of a bare module worker (first message): ${bare.ms.toFixed(0)} ms`);
  }
  // One more cold open, its worker sending stage marks: where the time went (not the timed figure).
  const staged = reports[at]!;
  ctx.result.coldStages.push({ sizeMB: c.sizeMB, ms: staged.ms!, stages: staged.stages ?? [] });
}

/** The median, and every sample when there is more than one. */
function median(samples: number[]): { ms: number; samples?: number[] } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { ms: sorted[Math.floor((sorted.length - 1) / 2)]!, ...(samples.length > 1 ? { samples } : {}) };
}

/** Opens a cold-open URL in `page` under Playwright; the page's report (ms since navigation start). */
export async function coldInPage(page: Page, coldUrl: string): Promise<ColdReport> {
  await page.goto(coldUrl);
  const h = await page.waitForFunction(() => window.benchCold, undefined, { timeout: 300_000 });
  return (await h.jsonValue()) as ColdReport;
}
