/**
 * The report's sections on memory (one and several tabs holding the
 * largest store) and the stage breakdowns of a single commit and of a cold
 * open, from Pacioli's stage marks (src/shared/stages.ts, bench/probes.ts).
 */
import type { BrowserResult } from './report';
import { META, type ContenderName } from './meta';

const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
const mb = (x: number | null | undefined) => (x === null || x === undefined ? '—' : f(x / 1048576, 0));
const label = (c: string) => META[c as ContenderName]?.label ?? c;

export function renderMemory(r: BrowserResult): string[] {
  const out = ['', '### 9. Memory with the largest store open (page plus its workers)', ''];
  const rows = r.memory ?? [];
  if (rows.length === 0) return [...out, 'Not measured.'];
  if (rows.every((m) => m.oneTab === null)) {
    return [
      ...out,
      'Not reported by this browser: Firefox has no `performance.measureUserAgentSpecificMemory()` and no `performance.memory`, and Playwright drives it over WebDriver BiDi, which has no memory domain (Chromium\'s figures come from the first; `about:memory` is not scriptable from the page).',
    ];
  }
  out.push(`Source: ${rows.find((m) => m.oneTab !== null)?.source ?? ''}. Each tab is its own browsing context group (COOP), so each measures its own page and workers; the several-tab figure is their sum.`, '');
  out.push(`| contender | size | 1 tab MB | ${rows[0]!.tabs} tabs MB (sum) | per tab MB | note |`, '|---|---|---|---|---|---|');
  for (const m of rows) out.push(`| ${label(m.contender)} | ${m.sizeMB} MB | ${mb(m.oneTab)} | ${mb(m.manyTabs)} | ${m.perTab.map(mb).join(', ') || '—'} | ${m.note ?? ''} |`);
  return out;
}

/** Cold-open intervals from the marks: [what, from, to]; `max(a|b|…)` is the latest of the marks that happened. */
const COLD_SPANS: [string, string, string][] = [
  ["navigation → the page's script runs (HTML, page bundle)", 'nav', 'page:script-start'],
  ['open called → worker script fetched, compiled and run', 'page:open-called', 'open:worker-started'],
  ['worker running → open request handled (RPC, migrations checked)', 'open:worker-started', 'open:start'],
  ['IndexedDB read: log and snapshot, by the page from openStore on (here: what the worker still waits for, beside the wasm)', 'open:start', 'open:idb-read'],
  ['sql.js wasm fetch + compile + instantiate (beside the read)', 'open:start', 'open:wasm-ready'],
  ["warm-up: SQLite's code compiled on a throwaway database (only while the read is still under way)", 'open:wasm-ready', 'open:warmed-up'],
  ['deserialize: the image opened in sql.js (after all three)', 'max(open:idb-read|open:wasm-ready|open:warmed-up)', 'open:deserialized'],
  ['then waiting for the SHA-256 of the snapshot (started at the read, ran beside deserialize)', 'open:deserialized', 'open:sha-verified'],
  ['log entries replayed', 'max(open:deserialized|open:sha-verified)', 'open:log-replayed'],
  ['rest of open (lease, migration check, answer)', 'open:log-replayed', 'open:done'],
  ['open answer back to the page', 'open:done', 'page:opened'],
  ['first query (a balance), page to page', 'page:opened', 'page:first-answer'],
  ['total: navigation → first answered query', 'nav', 'page:first-answer'],
];

function span(stages: { mark: string; ms: number | null }[], from: string, to: string): number {
  const at = (m: string): number => {
    if (m === 'nav') return 0;
    const alt = /^max\((.+)\)$/.exec(m);
    if (alt) {
      const seen = alt[1]!.split('|').map(at).filter(Number.isFinite);
      return seen.length > 0 ? Math.max(...seen) : NaN;
    }
    return stages.find((s) => s.mark === m)?.ms ?? NaN;
  };
  return at(to) - at(from);
}

export function renderBreakdowns(r: BrowserResult): string[] {
  const out: string[] = ['', '### 10. Where a durable transfer\'s time goes (Pacioli strict, its log in IndexedDB or in OPFS, stage by stage)', ''];
  const cs = r.commitStages ?? [];
  if (cs.length === 0) out.push('Not measured.');
  else {
    out.push(
      `A separate pass of ${cs[0]!.total.n} transfers after the timed ones, the store's worker started with its stage marks on (one boolean test per mark when off); p50 (mean) in ms per stage, from the page's call to its answer. Stages are measured one after another on one clock (epoch ms).`,
      '',
      `| stage | ${cs.map((c) => `${c.contender === 'pacioli-opfs' ? 'OPFS log, ' : ''}${c.sizeMB} MB`).join(' | ')} |`,
      `|---|${cs.map(() => '---|').join('')}`,
    );
    for (const [i, row] of cs[0]!.stages.entries()) out.push(`| ${row.stage} | ${cs.map((c) => `${f(c.stages[i]?.p50, 3)} (${f(c.stages[i]?.mean, 3)})`).join(' | ')} |`);
    out.push(`| **sum of the stage p50s** | ${cs.map((c) => f(c.stages.reduce((s, x) => s + (Number.isFinite(x.p50) ? x.p50 : 0), 0), 3)).join(' | ')} |`);
    out.push(`| **page to page, p50 (p95) of this pass** | ${cs.map((c) => `${f(c.total.p50, 3)} (${f(c.total.p95, 3)})`).join(' | ')} |`);
    out.push(`| one raw IndexedDB put transaction (strict), p50 | ${cs.map(() => f(r.baselines.rawPutStrict?.p50, 3)).join(' | ')} |`);
    out.push(`| one raw OPFS write + flush, page to page, p50 | ${cs.map(() => f(r.baselines.rawOpfsFlush?.p50, 3)).join(' | ')} |`);
  }
  out.push('', "### 11. Where a cold open's time goes (Pacioli strict)", '');
  const co = r.coldStages ?? [];
  if (co.length === 0) return [...out, 'Not measured.'];
  out.push(
    'One more cold open per size after the timed one, its worker sending stage marks; ms. Some stages run side by side (the IndexedDB read beside the wasm compile and the warm-up; the SHA-256 beside the deserialize), so they do not add up.',
    '',
    `| stage | ${co.map((c) => `${c.sizeMB} MB`).join(' | ')} |`,
    `|---|${co.map(() => '---|').join('')}`,
  );
  for (const [what, from, to] of COLD_SPANS) out.push(`| ${what} | ${co.map((c) => f(span(c.stages, from, to), 1)).join(' | ')} |`);
  return out;
}
