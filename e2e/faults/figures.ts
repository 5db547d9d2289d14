/**
 * Figures of a fault run. Every test appends one line per family and engine
 * to a JSON-lines file; the global teardown sums them into the summary
 * table (`summary.ts`). The file lives beside Playwright's output directory
 * (which Playwright empties at start), and global setup truncates it.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the figures of the current run accumulate (`FAULTS_FIGURES` keeps two runs apart). */
export const FIGURES_FILE = process.env.FAULTS_FIGURES ? resolve(process.env.FAULTS_FIGURES) : resolve(dirname(fileURLToPath(import.meta.url)), '../../test-results/faults-figures.jsonl');

/** What one test reports. Every count defaults to 0. */
export interface Figures {
  family: string;
  engine: string;
  seed?: number;
  rounds?: number;
  kills?: number;
  acked?: number;
  lost?: number;
  torn?: number;
  doubled?: number;
  injected?: number;
  typedErrors?: number;
  untypedErrors?: number;
  storageLost?: number;
  recoveries?: number;
  /** Commits the browser's loss took with it (after the recovery copy's commit): not the store's loss. */
  lostToBrowser?: number;
  durability?: string;
  browserVersion?: string;
  ms?: number;
  note?: string;
}

/** Appends one test's figures to the run's file. */
export function record(figures: Figures): void {
  mkdirSync(dirname(FIGURES_FILE), { recursive: true });
  appendFileSync(FIGURES_FILE, `${JSON.stringify(figures)}\n`);
}
