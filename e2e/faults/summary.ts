/**
 * Global teardown of the fault suite: sums the figures every test recorded
 * into one table (per family and engine), prints it, and writes it as
 * Markdown to test-results/faults-summary.md, for RESULTS.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FIGURES_FILE, type Figures } from './figures';
import { PROFILE } from './profile';

const COLUMNS = ['rounds', 'kills', 'acked', 'lost', 'torn', 'doubled', 'injected', 'typedErrors', 'untypedErrors', 'storageLost', 'recoveries', 'lostToBrowser'] as const;
const HEADINGS = ['rounds', 'kills', 'acked ops', 'lost', 'torn', 'double-applied', 'injected failures', 'typed errors', 'untyped errors', 'STORAGE_LOST', 'recoveries', 'commits lost by the browser'];

function version(cmd: string): string {
  try {
    return execFileSync(cmd, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return `${cmd}: not found`;
  }
}

/** The summary table of the figures in `lines`, as Markdown. */
export function table(lines: Figures[]): string {
  const rows = new Map<string, Figures>();
  for (const f of lines) {
    const key = `${f.family}\u0000${f.engine}`;
    const row = rows.get(key) ?? { family: f.family, engine: f.engine, ms: 0 };
    for (const c of COLUMNS) row[c] = (row[c] ?? 0) + (f[c] ?? 0);
    row.ms = (row.ms ?? 0) + (f.ms ?? 0);
    rows.set(key, row);
  }
  const total: Figures = { family: '**total**', engine: '', ms: 0 };
  for (const row of rows.values()) {
    for (const c of COLUMNS) total[c] = (total[c] ?? 0) + (row[c] ?? 0);
    total.ms = (total.ms ?? 0) + (row.ms ?? 0);
  }
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  const out = [line(['family', 'engine', ...HEADINGS, 'time (s)']), line(Array(HEADINGS.length + 3).fill('---'))];
  for (const row of [...rows.values(), total]) out.push(line([row.family, row.engine, ...COLUMNS.map((c) => row[c] ?? 0), ((row.ms ?? 0) / 1000).toFixed(0)]));
  return out.join('\n');
}

export default async function summary(): Promise<void> {
  if (!existsSync(FIGURES_FILE)) return;
  const lines = readFileSync(FIGURES_FILE, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Figures);
  if (lines.length === 0) return;
  const versions = [...new Set(lines.map((l) => l.browserVersion).filter(Boolean))];
  const notes = lines.filter((l) => l.note).map((l) => `- ${l.family} (${l.engine}): ${l.note}`);
  const seeds = [...new Set(lines.map((l) => l.seed).filter((s) => s !== undefined))];
  const text = [
    `Fault suite, profile ${PROFILE}, ${new Date().toISOString()}`,
    '',
    table(lines),
    '',
    `Browsers: ${version('/usr/bin/chromium').split('\n').pop()} / ${version('/usr/bin/firefox-esr')}${versions.length ? ` (seen by the tests: ${versions.join(', ')})` : ''}`,
    'Durability mode: strict (the store\u2019s default; Chromium\u2019s own IndexedDB default is relaxed).',
    `Seeds: ${seeds.join(', ')} (FAULTS_SEED=${process.env.FAULTS_SEED ?? 'unset'})`,
    ...notes,
  ].join('\n');
  console.log(`\n${text}\n`);
  writeFileSync(join(dirname(FIGURES_FILE), 'faults-summary.md'), `${text}\n`);
}
