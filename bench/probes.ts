/**
 * Page-side probes: memory (page plus its workers, where the browser can
 * say), and the stage marks Pacioli's worker sends when started under the
 * name `pacioli-stages` (src/shared/stages.ts), turned into the cold-open
 * and single-commit breakdowns.
 */
import { STAGES_CHANNEL } from '../src/shared/stages';

export interface MemorySample {
  bytes: number;
  source: string;
}

/** Page-plus-workers memory in Chromium (cross-origin isolated); null where the browser reports none (Firefox). */
export async function memory(): Promise<MemorySample | null> {
  const p = performance as Performance & {
    measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }>;
    memory?: { usedJSHeapSize: number };
  };
  if (typeof p.measureUserAgentSpecificMemory === 'function' && crossOriginIsolated) {
    try {
      const r = await Promise.race([
        p.measureUserAgentSpecificMemory(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 20_000)),
      ]);
      return { bytes: r.bytes, source: 'performance.measureUserAgentSpecificMemory() (page and its workers)' };
    } catch {
      /* fall through */
    }
  }
  if (p.memory) return { bytes: p.memory.usedJSHeapSize, source: 'performance.memory.usedJSHeapSize (page JS heap only, not workers)' };
  return null;
}

/** A Pacioli worker that sends stage marks (the store's `worker` option; the name is STAGES_WORKER_NAME, written out for Vite's static analysis). */
/** The store's own wasm, named for the stage-timed worker: a custom worker alone does not get the page's compile (client/wasm.ts). */
export { default as stagesWasmUrl } from 'sql.js/dist/sql-wasm-browser.wasm?url';
export const stagesWorker = (): Worker => new Worker(new URL('../src/worker/store.worker.ts', import.meta.url), { type: 'module', name: 'pacioli-stages' });

/** Epoch ms, the clock the worker's marks use. */
export const now = (): number => performance.timeOrigin + performance.now();

/** Collects the marks of every stage-timed worker of this origin until `stop()`. */
export function collectMarks(): { marks: [string, number][]; stop(): Promise<void> } {
  const marks: [string, number][] = [];
  const channel = new BroadcastChannel(STAGES_CHANNEL);
  channel.onmessage = (event: MessageEvent<[string, number][]>) => void marks.push(...event.data);
  return {
    marks,
    async stop() {
      await new Promise((resolve) => setTimeout(resolve, 100)); // the last marks leave the worker after its task
      channel.close();
    },
  };
}

/** The single commit's stages, in order: [label, from mark, to mark]. `page:*` are the page's own stamps. */
export const COMMIT_STAGES: [string, string, string][] = [
  ['RPC to the worker (postMessage, Comlink)', 'page:call', 'commit:rpc-in'],
  ["the tab's turn", 'commit:rpc-in', 'commit:lease-wait'],
  ['write lease (Web Lock; kept between writes)', 'commit:lease-wait', 'commit:lease-held'],
  ['copy current? BEGIN', 'commit:lease-held', 'commit:sql-start'],
  ['SQL: the transfer statements', 'commit:sql-start', 'commit:sql-done'],
  ['capture: row images read back', 'commit:sql-done', 'commit:captured'],
  ['encode the log entry', 'commit:captured', 'commit:encoded'],
  ['CRC-32 of the entry', 'commit:encoded', 'commit:crc-done'],
  ['COMMIT in memory', 'commit:crc-done', 'commit:mem-committed'],
  ['queued for the IndexedDB write', 'commit:mem-committed', 'commit:idb-start'],
  ['the log append, strict (IndexedDB transaction, or OPFS write + flush)', 'commit:idb-start', 'commit:idb-done'],
  ['bookkeeping, announce to tabs, lease kept', 'commit:idb-done', 'commit:rpc-out'],
  ['RPC back to the page', 'commit:rpc-out', 'page:done'],
];

/** The cold open's marks, in the order they usually happen (ms since navigation start). */
export const COLD_MARKS = [
  'page:script-start',
  'page:open-called',
  'open:worker-started',
  'open:start',
  'open:idb-read',
  'open:wasm-ready',
  'open:warmed-up',
  'open:deserialized',
  'open:sha-verified',
  'open:log-replayed',
  'open:done',
  'page:opened',
  'page:first-answer',
] as const;

export interface StageRow {
  stage: string;
  p50: number;
  mean: number;
  n: number;
}

/** Per stage, p50 and mean over the commits whose page stamps bracket its marks. */
export function commitStages(commits: { call: number; done: number }[], marks: [string, number][]): StageRow[] {
  const sorted = [...marks].sort((a, b) => a[1] - b[1]);
  const per = new Map<string, number[]>();
  for (const c of commits) {
    const at = new Map<string, number>([['page:call', c.call], ['page:done', c.done]]);
    for (const [name, t] of sorted) if (t >= c.call && t <= c.done && !at.has(name)) at.set(name, t);
    for (const [label, from, to] of COMMIT_STAGES) {
      const a = at.get(from);
      const b = at.get(to);
      if (a !== undefined && b !== undefined && b >= a) per.set(label, [...(per.get(label) ?? []), b - a]);
    }
  }
  return COMMIT_STAGES.map(([label]) => {
    const xs = (per.get(label) ?? []).sort((a, b) => a - b);
    return { stage: label, p50: xs[Math.floor((xs.length - 1) / 2)] ?? NaN, mean: xs.reduce((s, x) => s + x, 0) / (xs.length || 1), n: xs.length };
  });
}
