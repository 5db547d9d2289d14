/**
 * Renders the app's PNG icons from public/icons/icon.svg with Chromium, so the
 * PNGs are real renderings of the one source drawing. The maskable icon keeps
 * the drawing inside the central 80 % safe zone on a full-bleed background.
 * Run: `npx tsx scripts/icons.ts` (the PNGs are committed; rerun after editing the SVG).
 */
import { chromium } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromiumLaunch } from './browsers';

const dir = resolve(import.meta.dirname, '../public/icons');
const svg = readFileSync(resolve(dir, 'icon.svg'), 'utf8');
const dataUrl = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;

const ICONS = [
  { file: 'icon-192.png', size: 192, inset: 0, background: 'transparent' },
  { file: 'icon-512.png', size: 512, inset: 0, background: 'transparent' },
  { file: 'icon-maskable-512.png', size: 512, inset: 0.12, background: '#1d3557' },
];

const browser = await chromium.launch(chromiumLaunch());
try {
  for (const { file, size, inset, background } of ICONS) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    const pad = Math.round(size * inset);
    await page.setContent(
      `<body style="margin:0;background:${background}"><img src="${dataUrl}" style="display:block;margin:${pad}px;width:${size - 2 * pad}px;height:${size - 2 * pad}px"></body>`,
    );
    await page.locator('img').evaluate((img: HTMLImageElement) => img.decode());
    await page.screenshot({ path: resolve(dir, file), omitBackground: background === 'transparent' });
    await page.close();
    console.log(`wrote public/icons/${file}`);
  }
} finally {
  await browser.close();
}
