/**
 * Observes the store worker's memory from a test: a prelude (see
 * ../worker-faults.ts) keeps every WebAssembly.Memory the worker
 * instantiates (sql.js's heap) and answers `{ heap: true }` on the
 * `e2e-faults` channel with its size, plus the worker's JS heap where the
 * browser tells it (Chromium's non-standard `performance.memory`).
 * The WASM heap never shrinks, so a leak of statements or buffers shows as
 * growth.
 */
import type { Page } from '@playwright/test';
import { injectIntoWorkers } from '../worker-faults';

/** Sizes one worker reported. */
export interface HeapSample {
  wasm: number;
  js: number | null;
}

function prelude(): void {
  const memories: WebAssembly.Memory[] = [];
  const keep = (exports: WebAssembly.Exports) => {
    for (const value of Object.values(exports)) if (value instanceof WebAssembly.Memory) memories.push(value);
  };
  const instantiate = WebAssembly.instantiate.bind(WebAssembly) as (...a: unknown[]) => Promise<unknown>;
  (WebAssembly as unknown as { instantiate: unknown }).instantiate = async (...args: unknown[]) => {
    const result = (await instantiate(...args)) as WebAssembly.Instance | WebAssembly.WebAssemblyInstantiatedSource;
    keep('instance' in result ? result.instance.exports : result.exports);
    return result;
  };
  const streaming = WebAssembly.instantiateStreaming?.bind(WebAssembly);
  if (streaming) {
    WebAssembly.instantiateStreaming = async (...args: Parameters<typeof WebAssembly.instantiateStreaming>) => {
      const result = await streaming(...args);
      keep(result.instance.exports);
      return result;
    };
  }
  const channel = new BroadcastChannel('e2e-faults');
  channel.onmessage = (event: MessageEvent) => {
    if (!(event.data as { heap?: boolean }).heap || memories.length === 0) return;
    const js = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null;
    channel.postMessage({ heapOf: (self as unknown as { name: string }).name, wasm: memories.reduce((n, m) => n + m.buffer.byteLength, 0), js });
  };
}

/** Installs the probe in every worker the page makes from now on. */
export function installHeapProbe(page: Page): Promise<void> {
  return injectIntoWorkers(page, prelude, null);
}

/** The heap of the page's store worker named `pacioli:<store>`, or null if it does not answer within 2 s. */
export function sampleHeap(page: Page, store: string): Promise<HeapSample | null> {
  return page.evaluate(async (workerName) => {
    const channel = new BroadcastChannel('e2e-faults');
    try {
      return await new Promise<{ wasm: number; js: number | null } | null>((resolve) => {
        channel.onmessage = (event: MessageEvent) => {
          const data = event.data as { heapOf?: string; wasm: number; js: number | null };
          if (data.heapOf === workerName) resolve({ wasm: data.wasm, js: data.js });
        };
        channel.postMessage({ heap: true });
        setTimeout(() => resolve(null), 2_000);
      });
    } finally {
      channel.close();
    }
  }, `pacioli:${store}`);
}

/** Least-squares slope of `ys` over their index. */
export function slope(ys: readonly number[]): number {
  const n = ys.length;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, x) => {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  });
  return den === 0 ? 0 : num / den;
}

/** Theil–Sen slope of `ys` over their index: the median of pairwise slopes, which a few outliers (a busy moment of a shared machine) cannot tilt. */
export function robustSlope(ys: readonly number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < ys.length; i++) for (let j = i + 1; j < ys.length; j++) slopes.push((ys[j]! - ys[i]!) / (j - i));
  slopes.sort((a, b) => a - b);
  return slopes.length === 0 ? 0 : slopes[slopes.length >> 1]!;
}

/** The trend of `ys` across the whole series (slope × span), relative to their mean; `robust` uses the Theil–Sen slope. */
export function relativeTrend(ys: readonly number[], robust = false): number {
  const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
  return mean === 0 ? 0 : ((robust ? robustSlope(ys) : slope(ys)) * (ys.length - 1)) / mean;
}
