/**
 * Soak: many small operations in one page (300 000 in the full profile),
 * half durable writes and half reads, on a database of constant size (the
 * log grows and is folded away). Latency per window and the worker's WASM
 * heap (and, in Chromium, the page's JS heap after a forced GC) are sampled; a
 * least-squares slope across the run must stay small relative to the mean.
 * This is a leak check, not a performance claim.
 */
import { expect, test } from '@playwright/test';
import { record } from './figures';
import { installHeapProbe, relativeTrend, sampleHeap } from './heap-probe';
import { SIZES } from './profile';
import { toHarness } from './rounds';

const WINDOWS = 40;
const NAME = 'soak';

test('a soak of small operations shows no growth trend in heap or latency', async ({ page, context, baseURL, browserName }) => {
  test.setTimeout(120_000 + SIZES.soakOps * 6);
  await installHeapProbe(page);
  await toHarness(page, baseURL!);
  await page.evaluate(async (name) => {
    const s = await window.pacioli.openStore({ name, compactAfterBytes: 64 * 1024 });
    await s.run('CREATE TABLE c (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, note TEXT NOT NULL)');
    await s.run("WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 50) INSERT INTO c SELECT i, 0, 'x' FROM k");
    (window as unknown as { soak: typeof s }).soak = s;
  }, NAME);
  const perWindow = Math.max(2, Math.floor(SIZES.soakOps / WINDOWS));
  const latency: number[] = [];
  const wasm: number[] = [];
  const pageHeap: number[] = [];
  let done = 0;
  const started = Date.now();
  // Chromium: the page's heap after a full garbage collection, through CDP (without a GC the sawtooth looks like growth).
  const cdp = browserName === 'chromium' ? await context.newCDPSession(page) : null;
  const pageHeapAfterGc = async () => {
    if (!cdp) return 0;
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  for (let w = 0; w < WINDOWS; w++) {
    const r = await page.evaluate(async ({ count, base }) => {
      const s = (window as unknown as { soak: Awaited<ReturnType<typeof window.pacioli.openStore>> }).soak;
      const times = new Float64Array(count);
      let sum = 0;
      for (let i = 0; i < count; i++) {
        const id = ((base + i) % 50) + 1;
        const t0 = performance.now();
        if (i % 2 === 0) await s.run('UPDATE c SET n = n + 1, note = ? WHERE id = ?', [`v${base + i}`, id]);
        else sum += (await s.query<{ n: number }>('SELECT n FROM c WHERE id = ?', [id]))[0]!.n;
        times[i] = performance.now() - t0;
      }
      times.sort();
      // The window's median: robust to the spikes of folds and GCs on a shared machine.
      return { median: times[count >> 1]!, sum };
    }, { count: perWindow, base: done });
    done += perWindow;
    latency.push(r.median);
    pageHeap.push(await pageHeapAfterGc());
    const h = await sampleHeap(page, NAME);
    if (h) wasm.push(h.wasm);
  }
  const total = await page.evaluate(async () => {
    const s = (window as unknown as { soak: Awaited<ReturnType<typeof window.pacioli.openStore>> }).soak;
    const [row] = await s.query<{ t: number }>('SELECT sum(n) AS t FROM c');
    const stats = await s.stats();
    return { t: row!.t, compactions: stats.compactions };
  });
  // The first window warms up (JIT, the first folds): trends are taken over the rest.
  const trend = { latency: relativeTrend(latency.slice(1), true), wasm: relativeTrend(wasm.slice(1)), pageHeap: pageHeap.some((x) => x > 0) ? relativeTrend(pageHeap.slice(1)) : 0 };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  record({
    family: 'soak', engine: browserName, rounds: done, acked: done / 2, ms: Date.now() - started,
    note: `${done} ops, ${total.compactions} folds; median latency mean ${mean(latency.slice(1)).toFixed(3)} ms/op, trend ${(trend.latency * 100).toFixed(1)}%; worker WASM heap mean ${(mean(wasm) / 2 ** 20).toFixed(1)} MiB, trend ${(trend.wasm * 100).toFixed(1)}%; page JS heap after GC ${(pageHeap[1]! / 1024).toFixed(0)} -> ${(pageHeap[pageHeap.length - 1]! / 1024).toFixed(0)} KiB, trend ${(trend.pageHeap * 100).toFixed(1)}%; latency by window ${latency.map((x) => x.toFixed(2)).join(' ')}`,
  });
  expect(total.t, 'every write was applied exactly once').toBe(Math.ceil(done / 2));
  expect(wasm.length, 'the heap probe answered').toBeGreaterThan(WINDOWS / 2);
  // Growth across the whole run, relative to the mean: a leak of even a few bytes per op would show in the full profile.
  expect(trend.wasm, 'worker WASM heap trend').toBeLessThan(0.1);
  // The page side too (Chromium, after a forced GC): every call's bookkeeping must be let go once it settles.
  expect(trend.pageHeap, `page JS heap after GC: ${pageHeap[1]} -> ${pageHeap[pageHeap.length - 1]} bytes over ${done} calls`).toBeLessThan(0.1);
  // Latency is noisy on a shared machine: only a clear upward trend (slower by half across the run) fails.
  expect(trend.latency, 'latency trend').toBeLessThan(0.5);
});
