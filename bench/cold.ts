/**
 * A cold open: the bench page navigated with ?cold=<contender>&name=<name>
 * (or ?cold=raw, the raw IndexedDB read of as many bytes; ?cold=worker, a
 * bare module worker's first message: the floor of a store in a worker) opens the store
 * and answers one query; `window.benchCold` holds the time since navigation
 * start. With &stages (Pacioli), its worker's stage marks give the
 * breakdown. With &report (a browser no automation is attached to,
 * unattached.ts), the page posts the result to the bench server and goes on
 * to the URL it answers; ?cold=raw-prepare&bytes=N writes the raw read's
 * bytes there first, and ?cold=settle&ms=N only waits.
 */
import { get, set, createStore } from 'idb-keyval';
import { COLD_REPORT_PATH } from './meta';
import { open, type ContenderName } from './contenders';
import { COLD_MARKS, collectMarks, now } from './probes';
import { playerRef } from './workload';

/** Cold open: this page load was navigated with ?cold=<contender>&name=<name>; time to the first answered query. */
export async function coldOpen(scriptStart: number): Promise<void> {
  const params = new URLSearchParams(location.search);
  const which = params.get('cold');
  if (!which) return;
  try {
    let first: number;
    let close: () => Promise<void>;
    let stages: { mark: string; ms: number }[] | undefined;
    if (which === 'settle') {
      await new Promise((resolve) => setTimeout(resolve, Number(params.get('ms'))));
      first = 0;
      close = async () => undefined;
    } else if (which === 'raw-prepare') {
      await rawColdPrepare(Number(params.get('bytes')));
      first = 0;
      close = async () => undefined;
    } else if (which === 'worker') {
      const worker = new Worker(new URL('./bare.worker.ts', import.meta.url), { type: 'module', name: 'bench-bare' });
      await new Promise((resolve) => (worker.onmessage = resolve));
      first = performance.now();
      close = async () => worker.terminate();
    } else if (which === 'raw') {
      const data = await get<Uint8Array>('blob', createStore('bench-raw-cold', 'kv'));
      if (!data) throw new Error('no raw blob');
      first = performance.now();
      close = async () => undefined;
    } else {
      const staged = params.has('stages');
      const collector = staged ? collectMarks() : undefined;
      const page: [string, number][] = [['page:script-start', scriptStart], ['page:open-called', now()]];
      const c = await open(which as ContenderName, params.get('name')!, staged);
      page.push(['page:opened', now()]);
      await c.balance(playerRef(1));
      first = performance.now();
      page.push(['page:first-answer', now()]);
      close = () => c.close();
      if (collector) {
        await collector.stop();
        const all = [...page, ...collector.marks];
        stages = COLD_MARKS.map((m) => ({ mark: m, ms: (all.find(([n]) => n === m)?.[1] ?? NaN) - performance.timeOrigin }));
      }
    }
    await close();
    window.benchCold = { ms: first, ...(stages ? { stages } : {}) };
  } catch (e) {
    window.benchCold = { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  if (params.has('report')) {
    const response = await fetch(COLD_REPORT_PATH, { method: 'POST', body: JSON.stringify(window.benchCold) });
    const next = await response.text();
    if (next) location.replace(next);
  }
}

/** Writes `bytes` random-ish bytes under one key (the raw baseline for cold open). */
export async function rawColdPrepare(bytes: number): Promise<void> {
  const data = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 65536) crypto.getRandomValues(data.subarray(i, Math.min(bytes, i + 65536)));
  await set('blob', data, createStore('bench-raw-cold', 'kv'));
}

