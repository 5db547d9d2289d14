/**
 * Goals, the Markdown report and the HTML report (inline SVG charts) of a
 * benchmark run. Pure functions of the results: `npx tsx bench/report.ts
 * results/<files>.json` re-renders reports from saved JSON.
 */
import type { ContenderName, Summary, TransferResult } from './main';
import { computeGoals, type Goal } from './goals';
import { CONTENDERS, META, PROMISES } from './meta';
import type { StageRow } from './probes';
import { renderBreakdowns, renderMemory } from './report-extra';

export { computeGoals, type Goal };

export interface AnalyticResult {
  contender: ContenderName;
  config: string;
  importRows: number;
  totalRows: number;
  importMs: Summary;
  rowsPerSecond: number;
  firstImportRowsPerSecond: number;
  totalsMs: Summary;
  last50Ms: Summary;
  dbBytes: number;
}

export interface BrowserResult {
  browser: string;
  userAgent: string;
  date: string;
  machine: Record<string, string | number>;
  params: Record<string, unknown>;
  baselines: { rawPutStrict?: Summary; rawPutRelaxed?: Summary; rawOpfsFlush?: Summary; postMessage?: Summary };
  transfers: (TransferResult & { sizeMB: number })[];
  cold: { contender: string; sizeMB: number; ms: number; bytes?: number; samples?: number[] }[];
  analytic: AnalyticResult[];
  callers: { contender: string; callers: number; each: number; one: { committed: number; failed: number; ms: number; tps: number }; many: { committed: number; failed: number; ms: number; tps: number }; ratio: number }[];
  contention: { contender: string; tabs: number; players: number; ms: number; oneTab: { committed: number; failed: number; ms: number; tps: number }; oneOfMany?: { committed: number; failed: number; ms: number; tps: number }; manyTabs: { committed: number; failed: number; ms: number; tps: number }[]; manyTps: number; ratio: number }[];
  /** Page-plus-workers bytes with the largest store open in one tab and in `tabs` tabs (null: not reported). */
  memory: { contender: string; sizeMB: number; tabs: number; oneTab: number | null; manyTabs: number | null; perTab: number[]; source: string; note?: string }[];
  commitStages: { contender?: string; sizeMB: number; total: Summary; stages: StageRow[] }[];
  coldStages: { sizeMB: number; ms: number; stages: { mark: string; ms: number }[] }[];
  backup: { sizeMB: number; exportMs: number; restoreMs: number; backupBytes: number; memory: { phase: string; bytes: number; source: string }[] } | null;
  errors: { what: string; error: string }[];
  notMeasured: { what: string; reason: string }[];
  goals: Goal[];
  durationS: number;
}

export const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
/** Bytes as MB; a size the contender cannot report (NaN in the run, null once saved as JSON) stays missing. */
const mb = (bytes: number | null | undefined) => (typeof bytes === 'number' ? bytes / 1048576 : undefined);

const REFERENCES: Record<string, string> = {
  'raw-idb-read': 'raw IndexedDB read of the same bytes',
  'bare-worker': "a bare module worker's first message (no store: the floor of one in a worker)",
};
const label = (c: string) => REFERENCES[c] ?? META[c as ContenderName]?.label ?? c;
const promiseOf = (c: string) => (META[c as ContenderName] ? PROMISES[META[c as ContenderName].promise].short : '—');
const browserName = (r: BrowserResult) => {
  const m = /(HeadlessChrome|Chrome|Firefox)\/([\d.]+)/.exec(r.userAgent);
  return m ? `${r.browser} ${m[2]}` : r.browser;
};

export function renderMarkdown(results: BrowserResult[]): string {
  const out: string[] = [];
  out.push(`# Pacioli benchmark report`, '');
  const first = results[0];
  if (first) {
    const m = first.machine;
    out.push(`Run ${first.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cpus} × ${m.cpuModel}, ${m.memoryGB} GB, ${m.platform} ${m.release}, Node ${m.node}. ${first.params.smoke ? '**Smoke run (tiny sizes): the figures mean nothing.**' : first.params.profile === 'full' ? 'Full run (the sizes issue 7 names).' : `Default run: the sizes that fit about 10 minutes on this machine (${(first.params.sizesMB as number[]).join('/')} MB, ${String(first.params.analyticRows)} analytic rows); \`npm run bench:full\` runs the issue's 1/10/50 MB and 1 000 000 rows.`}`, '');
    const load = results.filter((r) => r.machine.loadAtStart !== undefined).map((r) => `${r.browser} ${r.machine.loadAtStart} at its start, ${r.machine.loadAtEnd} at its end`);
    if (load.length) out.push(`Load average (1 min) on the ${m.cpus} cores: ${load.join('; ')}. The bench itself keeps it near 2; well above that is other work sharing the machine, which shows in the figures.`, '');
    out.push(`Browsers: ${results.map((r) => `${browserName(r)} (${r.durationS.toFixed(0)} s)`).join(', ')}. Times in ms; p50/p95 over the samples after warm-up. Every contender runs in the same browser run, in its own databases on a persistent (on-disk) profile.`, '');
  }
  out.push('## Goals', '');
  out.push(`| goal | target | ${results.map(browserName).join(' | ')} |`, `|---|---|${results.map(() => '---|').join('')}`);
  const names = [...new Set(results.flatMap((r) => r.goals.map((g) => g.goal)))];
  for (const n of names) {
    const cells = results.map((r) => {
      const g = r.goals.find((x) => x.goal === n);
      if (!g) return '—';
      if (g.value === null) return `not measured (${g.note?.replace(/^not measured: /, '')})`;
      return `${f(g.value)} ${g.met ? '✅ met' : '❌ not met'}${g.note ? ` (${g.note})` : ''}`;
    });
    out.push(`| ${n} | ${results[0]?.goals.find((g) => g.goal === n)?.target ?? ''} | ${cells.join(' | ')} |`);
  }
  out.push('', '## Contenders: what "done" means, and the configuration', '', 'Goals on durable transfers compare Pacioli (strict) only with the contenders whose "done" means the change is on disk (fsync); the others are shown beside them.', '');
  out.push('| contender | done means | configuration |', '|---|---|---|');
  const configs = new Map<string, string>();
  for (const r of results) for (const t of [...r.transfers, ...r.analytic]) if (!configs.has(t.contender)) configs.set(t.contender, t.config);
  for (const c of CONTENDERS) if (configs.has(c)) out.push(`| ${label(c)} | ${PROMISES[META[c].promise].text} | ${configs.get(c)} |`);
  for (const r of results) {
    out.push('', `## ${browserName(r)}`, '', `User agent: \`${r.userAgent}\``, '');
    const b = r.baselines;
    out.push('### Physical limits', '', '| what | p50 | p95 | n |', '|---|---|---|---|');
    const bl: [string, Summary | undefined][] = [
      ['one raw IndexedDB put transaction, strict', b.rawPutStrict],
      ['one raw IndexedDB put transaction, relaxed', b.rawPutRelaxed],
      ['one raw OPFS write + flush() on a sync access handle, in a worker, page to page', b.rawOpfsFlush],
      ['raw worker postMessage round trip', b.postMessage],
    ];
    for (const [w, s] of bl) out.push(`| ${w} | ${f(s?.p50, 3)} | ${f(s?.p95, 3)} | ${s?.n ?? 'not measured'} |`);
    out.push('', '### 1–2. Durable transfer and point read', '');
    out.push('| contender | done means | size | file MB | fill s | transfer p50 | p95 | p99 | n | × Pacioli strict p50 | read p50 | read p95 |', '|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const t of r.transfers) {
      const base = r.transfers.find((x) => x.contender === 'pacioli-strict' && x.sizeMB === t.sizeMB)?.transfer.p50;
      out.push(
        `| ${label(t.contender)} | ${promiseOf(t.contender)} | ${t.sizeMB} MB | ${f(mb(t.dbBytes), 1)} | ${f(t.fillMs / 1000, 1)} | ${f(t.transfer.p50)} | ${f(t.transfer.p95)} | ${f(t.transfer.p99)} | ${t.transfer.n} | ${base ? f(t.transfer.p50 / base) : '—'} | ${f(t.read.p50, 3)} | ${f(t.read.p95, 3)} |`,
      );
    }
    out.push('', '### 3–4. Bulk import and analytical reads', '');
    out.push('| contender | import rows | rows/s (p50 import) | first import rows/s | total rows | per-player totals ms | last 50 of one player ms | file MB |', '|---|---|---|---|---|---|---|---|');
    for (const a of r.analytic) {
      out.push(`| ${label(a.contender)} | ${a.importRows} | ${f(a.rowsPerSecond, 0)} | ${f(a.firstImportRowsPerSecond, 0)} | ${a.totalRows} | ${f(a.totalsMs.p50, 1)} | ${f(a.last50Ms.p50, 3)} | ${f(mb(a.dbBytes), 1)} |`);
    }
    if (r.analytic.length === 0) out.push('| not measured | | | | | | | |');
    // Runs from before 2026-11-28 have no driver: Playwright opened their pages.
    const driver = r.params.coldDriver === 'unattached' ? 'the pages were opened by the browser with no automation attached (bench/unattached.ts)' : 'the pages were opened by Playwright, which holds every new worker until it has attached to it';
    const warm = Number(r.params.coldWarmups ?? 0);
    const settle = Number(r.params.coldSettleMs ?? 0);
    out.push('', '### 5. Cold open (navigation start → first answered query)', '', `Median of ${String(r.params.coldRepeats ?? 1)} per row${warm > 0 ? `, after ${warm} untimed opens of the same store` : ''}${settle > 0 ? ` and ${settle / 1000} s on an idle page` : ''}; ${driver}.`, '', '| contender | size | ms |', '|---|---|---|');
    for (const c of r.cold) out.push(`| ${label(c.contender)} | ${c.sizeMB} MB${c.bytes ? ` (${f(c.bytes / 1048576, 1)} MB read)` : ''} | ${f(c.ms, 0)} |`);
    if (r.cold.length === 0) out.push('| not measured | | |');
    out.push('', '### 8. Concurrent callers in one tab (each makes its transfers one after another)', '', '| contender | callers × transfers | 1 caller /s | N callers /s | ratio | failed |', '|---|---|---|---|---|---|');
    for (const c of r.callers ?? []) out.push(`| ${label(c.contender)} | ${c.callers} × ${c.each} | ${f(c.one.tps, 0)} | ${f(c.many.tps, 0)} | ${f(c.ratio)} | ${c.many.failed} |`);
    if (!r.callers?.length) out.push('| not measured | | | | | |');
    out.push('', '### 6. Contention (tabs of one origin, transfers among overlapping players)', '', '| contender | players | 1 tab /s | 1 tab writing, the others open /s | N tabs total /s | per tab /s | ratio | failed |', '|---|---|---|---|---|---|---|---|');
    for (const c of r.contention) {
      out.push(`| ${label(c.contender)} | ${c.players} | ${f(c.oneTab.tps, 0)} | ${c.oneOfMany ? f(c.oneOfMany.tps, 0) : '—'} | ${c.tabs} tabs: ${f(c.manyTps, 0)} | ${c.manyTabs.map((x) => f(x.tps, 0)).join(', ')} | ${f(c.ratio)} | ${c.manyTabs.reduce((s, x) => s + x.failed, 0)} |`);
    }
    if (r.contention.length === 0) out.push('| not measured | | | | | | | |');
    out.push(...renderMemory(r), ...renderBreakdowns(r));
    out.push('', '### 7. Backup', '');
    if (r.backup) {
      const bk = r.backup;
      out.push(`Pacioli (strict) at ${bk.sizeMB} MB: \`exportBackup()\` ${f(bk.exportMs, 0)} ms (${f(bk.backupBytes / 1048576, 1)} MB file), \`restoreBackup()\` ${f(bk.restoreMs, 0)} ms.`, '');
      if (bk.memory.length) {
        out.push(`Memory (${bk.memory[0]!.source}; peak of these samples: ${f(Math.max(...bk.memory.map((m) => m.bytes)) / 1048576, 0)} MB):`, '');
        for (const m of bk.memory) out.push(`- ${m.phase}: ${f(m.bytes / 1048576, 1)} MB`);
      } else out.push('Peak memory: not reported by this browser (no `performance.measureUserAgentSpecificMemory()` or `performance.memory`).');
    } else out.push('Not measured.');
    if (r.errors.length || r.notMeasured.length) {
      out.push('', '### Not run / failed', '');
      for (const e of r.errors) out.push(`- ${e.what}: not run: ${e.error}`);
      for (const e of r.notMeasured) out.push(`- ${e.what}: not measured: ${e.reason}`);
    }
  }
  return out.join('\n') + '\n';
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A horizontal bar chart on a log scale (values span several orders of magnitude). */
function bars(title: string, rows: { label: string; value: number }[], unit: string, highlight = 'Pacioli'): string {
  const valid = rows.filter((r) => Number.isFinite(r.value) && r.value > 0);
  if (valid.length === 0) return '';
  const W = 720;
  const L = 290;
  const H = 22;
  const max = Math.max(...valid.map((r) => r.value));
  const min = Math.min(...valid.map((r) => r.value));
  const lo = Math.log10(min) - 0.3;
  const hi = Math.log10(max) + 0.05;
  const x = (v: number) => ((Math.log10(v) - lo) / (hi - lo || 1)) * (W - L - 90);
  const body = valid
    .map((r, i) => {
      const y = 28 + i * H;
      const color = r.label.startsWith(highlight) ? '#1f6feb' : '#8b949e';
      return `<text x="${L - 6}" y="${y + 14}" text-anchor="end">${esc(r.label)}</text><rect x="${L}" y="${y + 3}" width="${Math.max(1, x(r.value)).toFixed(1)}" height="${H - 6}" fill="${color}"/><text x="${(L + x(r.value) + 4).toFixed(1)}" y="${y + 14}">${r.value < 10 ? r.value.toFixed(2) : r.value.toFixed(0)} ${unit}</text>`;
    })
    .join('');
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${36 + valid.length * H}" font-family="system-ui,sans-serif" font-size="12"><text x="0" y="16" font-weight="bold">${esc(title)} (log scale)</text>${body}</svg></figure>`;
}

export function renderHtml(results: BrowserResult[]): string {
  const md = renderMarkdown(results);
  const charts: string[] = [];
  for (const r of results) {
    charts.push(`<h2>${esc(browserName(r))}</h2>`);
    const sizes = [...new Set(r.transfers.map((t) => t.sizeMB))];
    const base = [
      ...(r.baselines.rawPutStrict ? [{ label: 'raw IndexedDB put (strict)', value: r.baselines.rawPutStrict.p50 }] : []),
      ...(r.baselines.rawPutRelaxed ? [{ label: 'raw IndexedDB put (relaxed)', value: r.baselines.rawPutRelaxed.p50 }] : []),
      ...(r.baselines.rawOpfsFlush ? [{ label: 'raw OPFS write + flush', value: r.baselines.rawOpfsFlush.p50 }] : []),
    ];
    for (const s of sizes) {
      charts.push(bars(`Durable transfer p50 at ${s} MB, ms`, [...r.transfers.filter((t) => t.sizeMB === s).map((t) => ({ label: label(t.contender), value: t.transfer.p50 })), ...base], 'ms'));
    }
    if (sizes.length) {
      const s = sizes[0]!;
      const pm = r.baselines.postMessage ? [{ label: 'raw postMessage round trip', value: r.baselines.postMessage.p50 }] : [];
      charts.push(bars(`Point read p50 at ${s} MB, ms`, [...r.transfers.filter((t) => t.sizeMB === s).map((t) => ({ label: label(t.contender), value: t.read.p50 })), ...pm], 'ms'));
    }
    if (r.analytic.length) {
      charts.push(bars('Bulk import, rows/s (higher is better)', r.analytic.map((a) => ({ label: label(a.contender), value: a.rowsPerSecond })), 'rows/s'));
      charts.push(bars(`Per-player totals over ${r.analytic[0]!.totalRows} rows, ms`, r.analytic.map((a) => ({ label: label(a.contender), value: a.totalsMs.p50 })), 'ms'));
      charts.push(bars('Last 50 entries of one player, ms', r.analytic.map((a) => ({ label: label(a.contender), value: a.last50Ms.p50 })), 'ms'));
    }
    for (const s of [...new Set(r.cold.map((c) => c.sizeMB))]) {
      charts.push(bars(`Cold open at ${s} MB, ms`, r.cold.filter((c) => c.sizeMB === s).map((c) => ({ label: label(c.contender), value: c.ms })), 'ms'));
    }
  }
  // The tables are the Markdown report's, rendered minimally (tables, headings, lists, paragraphs).
  const html: string[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const inline = (s: string) => esc(s).replace(/\*\*(.+?)\*\*/g, '<b>$1</b>').replace(/`(.+?)`/g, '<code>$1</code>');
    if (line.startsWith('|')) {
      const rows: string[] = [];
      while (i < lines.length && lines[i]!.startsWith('|')) rows.push(lines[i++]!);
      i--;
      const cells = (l: string) => l.slice(1, -1).split(' | ').map((c) => c.trim());
      html.push('<table><thead><tr>' + cells(rows[0]!).map((c) => `<th>${inline(c)}</th>`).join('') + '</tr></thead><tbody>');
      for (const row of rows.slice(2)) html.push('<tr>' + cells(row).map((c) => `<td>${inline(c)}</td>`).join('') + '</tr>');
      html.push('</tbody></table>');
    } else if (line.startsWith('### ')) html.push(`<h3>${inline(line.slice(4))}</h3>`);
    else if (line.startsWith('## ')) html.push(`<h2>${inline(line.slice(3))}</h2>`);
    else if (line.startsWith('# ')) html.push(`<h1>${inline(line.slice(2))}</h1>`);
    else if (line.startsWith('- ')) html.push(`<li>${inline(line.slice(2))}</li>`);
    else if (line.trim()) html.push(`<p>${inline(line)}</p>`);
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pacioli benchmark report</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1f2328}table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left}th{background:#f6f8fa}figure{margin:1em 0}code{background:#f6f8fa;padding:0 3px}</style></head><body>
${html.join('\n')}
<h1>Charts</h1>
${charts.join('\n')}
</body></html>
`;
}

// Re-render reports from saved JSON: npx tsx bench/report.ts bench/results/a.json bench/results/b.json
if (typeof process !== 'undefined' && process.argv[1] && /report\.ts$/.test(process.argv[1])) {
  const { readFileSync, writeFileSync } = await import('node:fs');
  const files = process.argv.slice(2);
  const results = files.map((p) => JSON.parse(readFileSync(p, 'utf8')) as BrowserResult);
  for (const r of results) r.goals = computeGoals(r);
  const outBase = files[0]!.replace(/-[a-z]+\.json$/, '-report');
  writeFileSync(`${outBase}.md`, renderMarkdown(results));
  writeFileSync(`${outBase}.html`, renderHtml(results));
  console.log(`wrote ${outBase}.md and .html`);
}
