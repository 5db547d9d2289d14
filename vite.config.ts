/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
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
  // Vite would re-optimise and reload every open page.
  optimizeDeps: { include: ['sql.js', 'comlink', 'idb-keyval'] },
  server: { headers: isolation },
  preview: { headers: isolation },
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
