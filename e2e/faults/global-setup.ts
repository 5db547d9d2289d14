/**
 * Starts a fault run: empties the figures file, then warms the Vite server
 * as the main suite does (see ../global-setup.ts for why).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FullConfig } from '@playwright/test';
import warm from '../global-setup';
import { FIGURES_FILE } from './figures';

export default async function globalSetup(config: FullConfig): Promise<void> {
  mkdirSync(dirname(FIGURES_FILE), { recursive: true });
  writeFileSync(FIGURES_FILE, '');
  await warm(config);
}
