/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { resolve } from 'node:path';

/**
 * One config for the app, the e2e harness and the benchmarks.
 * COOP/COEP make the page cross-origin isolated, which un-coarsens
 * `performance.now()` (0.1 ms otherwise) for the benchmarks; nothing in the
 * store needs SharedArrayBuffer.
 */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // The worker imports sql.js; ES-module workers keep one module graph with the page.
  worker: { format: 'es' },
  // Pre-bundle the worker's dependencies at start-up: found later, on the first openStore,
  // Vite would re-optimise and reload every open page. zod too: the worker imports it only
  // for a shared ledger, which may be the first thing a test or a session does with it.
  optimizeDeps: { include: ['sql.js', 'comlink', 'idb-keyval', 'zod', 'preact', 'preact/hooks', 'preact/jsx-runtime', '@preact/signals'] },
  server: { headers: isolation },
  preview: { headers: isolation },
  // The app is Preact with the automatic JSX runtime (tsconfig says the same for tsc).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [
    VitePWA({
      // 'prompt': a new version waits for the player's "reload"; 'autoUpdate' could reload mid-write.
      registerType: 'prompt',
      injectRegister: false, // src/app/pwa-update.tsx registers it and shows the prompt
      includeManifestIcons: false, // the glob below already precaches public/icons/
      manifest: {
        name: 'BitCraps ledger',
        short_name: 'BitCraps',
        description: 'Token balances, transfers and a craps table that work offline. Every token is accounted for.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#0f1b2d',
        theme_color: '#1d3557',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // Every type the app needs offline, wasm included (sql-wasm.wasm); the worker bundle is a .js chunk.
        globPatterns: ['**/*.{html,js,css,wasm,png,svg,webmanifest}'],
        // The e2e harness and screenshots are build outputs players never load.
        globIgnores: ['e2e/**', '**/harness-*.js', 'screenshots/**'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/e2e\//],
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  // Unit tests run in Node against sql.js directly; browser specs (e2e/) belong to Playwright.
  // The sync server's tests (test/server/) run against a real PostgreSQL that the global setup provides.
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000, globalSetup: ['test/server/global-setup.ts'] },
  build: {
    target: 'es2022',
    rollupOptions: {
      input: {
        app: resolve(import.meta.dirname, 'index.html'),
        harness: resolve(import.meta.dirname, 'e2e/harness.html'),
      },
    },
  },
});
