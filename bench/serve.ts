/**
 * Serving the bench page: a production build with `vite preview` (the
 * default), or the dev server (`BENCH_SERVE=dev`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { COLD_REPORT_PATH } from './meta';
import { build, createServer, loadConfigFromFile, preview, type Plugin, type PluginOption, type UserConfig } from 'vite';

let coldReporter: ((report: unknown) => string) | undefined;

/** Takes the cold pages' reports; what it returns (the next URL, or '') is the answer to the page. */
export function setColdReporter(reporter: ((report: unknown) => string) | undefined): void {
  coldReporter = reporter;
}

function takeColdReport(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    let next = '';
    try {
      next = coldReporter?.(JSON.parse(body)) ?? '';
    } catch (e) {
      console.error('bench: a cold report that is not JSON:', body.slice(0, 200), e);
    }
    res.setHeader('content-type', 'text/plain');
    res.end(next);
  });
}

/** Both servers take the reports. */
const coldReports: Plugin = {
  name: 'bench-cold-reports',
  configureServer: (server) => void server.middlewares.use(COLD_REPORT_PATH, takeColdReport),
  configurePreviewServer: (server) => void server.middlewares.use(COLD_REPORT_PATH, takeColdReport),
};

/**
 * The project's vite.config.ts without the PWA plugin: the bench page has
 * no service worker, and the plugin refuses a build holding files larger
 * than its precache limit (PGlite's 9 MB wasm).
 */
async function benchConfig(ROOT: string): Promise<UserConfig> {
  const loaded = await loadConfigFromFile({ command: 'build', mode: 'production' }, join(ROOT, 'vite.config.ts'), ROOT);
  if (!loaded) throw new Error('no vite.config.ts');
  const plugins = ([loaded.config.plugins ?? []] as PluginOption[]).flat(Infinity as 1).filter((p) => !(p && typeof p === 'object' && 'name' in p && String(p.name).startsWith('vite-plugin-pwa')));
  return { ...loaded.config, plugins: [...plugins, coldReports] };
}

/**
 * The bench page as apps ship it: a production build (every contender's
 * page code and workers bundled and minified), served by `vite preview`.
 * Served unbundled by the dev server instead, a cold open measured mostly
 * the module waterfall, which punishes a contender for having many modules.
 */
export async function builtServer(ROOT: string, port: number): Promise<{ close(): Promise<void> }> {
  const outDir = mkdtempSync(join(tmpdir(), 'pacioli-bench-build-'));
  const config = await benchConfig(ROOT);
  await build({
    ...config,
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    build: { ...config.build, outDir, emptyOutDir: true, rollupOptions: { input: { bench: join(ROOT, 'bench', 'index.html') } } },
  });
  const server = await preview({ ...config, configFile: false, root: ROOT, logLevel: 'warn', build: { outDir }, preview: { ...config.preview, port, strictPort: true } });
  return {
    async close() {
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/** `BENCH_SERVE=dev`: the dev server, unbundled (quicker to start while working on the suite). */
export async function devServer(ROOT: string, port: number): Promise<{ close(): Promise<void> }> {
  const server = await createServer({
    root: ROOT,
    configFile: join(ROOT, 'vite.config.ts'),
    plugins: [coldReports],
    logLevel: 'warn',
    // No HMR: an edit under bench/ or src/ during a run must not reload the page mid-measurement.
    server: { port: port, strictPort: true, hmr: false },
    // wa-sqlite, SQLite WASM and PGlite find their .wasm next to their modules (import.meta.url): serve them unbundled.
    optimizeDeps: { include: ['dexie'], exclude: ['@journeyapps/wa-sqlite', '@sqlite.org/sqlite-wasm', '@electric-sql/pglite'] },
  });
  await server.listen();
  return server;
}

