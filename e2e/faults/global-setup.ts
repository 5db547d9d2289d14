/**
 * Starts a fault run: empties the figures file, fixes the run's seed, then warms the Vite server
 * as the main suite does (see ../global-setup.ts for why).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FullConfig } from '@playwright/test';
import warm from '../global-setup';
import { FIGURES_FILE } from './figures';
import { suiteSeed } from './rng';

export default async function globalSetup(config: FullConfig): Promise<void> {
  mkdirSync(dirname(FIGURES_FILE), { recursive: true });
  writeFileSync(FIGURES_FILE, '');
  // One seed for the whole run, which the tests (started after this) inherit: FAULTS_SEED=<it> replays the run.
  process.env.FAULTS_SEED = String(suiteSeed());
  console.log(`[faults] FAULTS_SEED=${process.env.FAULTS_SEED}`);
  await warm(config);
}
