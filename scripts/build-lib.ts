/**
 * `npm run build:lib`: writes the published package into dist/.
 *
 * - dist/index.js, react.js, preact.js (+ shared chunks): the page side, ESM, with
 *   comlink, react and preact left to the app's bundler.
 * - dist/store.worker.js: the worker, one self-contained ESM file (sql.js's glue,
 *   comlink and idb-keyval inside). It imports no bare specifier, so the Vite dev
 *   server serves it as it is, without asking its dependency optimiser for anything
 *   after the page loaded (which would re-optimise and reload the page).
 * - dist/sql-wasm.wasm: sql.js's browser wasm, the one its glue was built with.
 * - dist/types/: declarations with the JSDoc, one file per source file, so the
 *   page entries and the framework entries share one `Store` type.
 *
 * The page finds the worker, and the page and the worker the wasm, only through static
 * `new URL('./…', import.meta.url)`: the form Vite and webpack 5 follow
 * and copy. The source spells those for the repo's own Vite dev server (a .ts
 * worker, a `?url` import); the plugins below rewrite exactly those, and turn
 * sql.js's UMD glue into an ES module.
 */
import { build, type Plugin } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
const require = createRequire(import.meta.url);

/** In the page code: the worker's source path becomes the built worker beside the entry. */
const workerUrl: Plugin = {
  name: 'pacioli-worker-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]client[\\/]worker-link\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const from = `new URL('../worker/store.worker.ts', import.meta.url)`;
      if (source.split(from).length !== 2) throw new Error(`worker-link.ts must hold exactly one ${from}`);
      return { contents: source.replace(from, `new URL('./store.worker.js', import.meta.url)`), loader: 'ts' };
    });
  },
};

/** In the worker and the page (which compiles it while the worker starts): Vite's `?url` import of the wasm becomes a static URL of the wasm beside the entry. */
const wasmUrl: Plugin = {
  name: 'pacioli-wasm-url',
  setup(b) {
    b.onResolve({ filter: /\.wasm\?url$/ }, (args) => ({ path: args.path, namespace: 'wasm-url' }));
    b.onLoad({ filter: /.*/, namespace: 'wasm-url' }, () => ({
      contents: `export default new URL('./sql-wasm.wasm', import.meta.url).href;`,
      loader: 'js',
    }));
  },
};

/**
 * In the worker: sql.js's browser build ends in a UMD tail (CommonJS, else AMD). A bundler
 * that bundles the built worker again may take the AMD branch (webpack 5 did, and
 * `initSqlJs` came out undefined): make the file an ES module that exports it.
 * The consumer tests run the result through Vite, webpack and esbuild.
 */
const sqlJsAsEsm: Plugin = {
  name: 'pacioli-sqljs-esm',
  setup(b) {
    b.onLoad({ filter: /[\\/]sql\.js[\\/]dist[\\/]sql-wasm-browser\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const tail = source.lastIndexOf(`if (typeof exports === 'object' && typeof module === 'object')`);
      if (tail < 0 || !/var initSqlJs\b/.test(source)) throw new Error('sql-wasm-browser.js no longer ends in the UMD tail this build replaces');
      // Its shell assigns `module = undefined`: declared here, as an ES module's strict mode requires.
      return { contents: `var module;\n${source.slice(0, tail)}\nexport default initSqlJs;\n`, loader: 'js' };
    });
  },
};

/** tsc writes extensionless relative imports; Node's ESM resolution (and so attw) needs `.js`. */
function addJsExtensions(dir: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      addJsExtensions(path);
      continue;
    }
    const text = readFileSync(path, 'utf8').replace(/((?:from |import\()['"])(\.{1,2}\/[^'"]+)(['"])/g, (_, head: string, spec: string, tail: string) => {
      const target = resolve(dirname(path), spec);
      return `${head}${spec}${existsSync(`${target}.d.ts`) ? '.js' : '/index.js'}${tail}`;
    });
    writeFileSync(path, text);
  }
}

rmSync(DIST, { recursive: true, force: true });
const common = { bundle: true, format: 'esm', platform: 'browser', target: 'es2022', legalComments: 'inline', logLevel: 'warning' } as const;
await build({
  ...common,
  entryPoints: { index: 'src/index.ts', react: 'src/react/index.ts', preact: 'src/preact/index.ts' },
  outdir: DIST,
  splitting: true,
  chunkNames: '[name]-[hash]', // beside the entries: './store.worker.js' resolves from any of them
  external: ['comlink', 'react', 'preact', 'preact/hooks'],
  plugins: [workerUrl, wasmUrl],
});
await build({ ...common, entryPoints: { 'store.worker': 'src/worker/store.worker.ts' }, outdir: DIST, plugins: [wasmUrl, sqlJsAsEsm] });
copyFileSync(require.resolve('sql.js/dist/sql-wasm-browser.wasm'), join(DIST, 'sql-wasm.wasm'));
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.lib.json'], { cwd: ROOT, stdio: 'inherit' });
addJsExtensions(join(DIST, 'types'));

// What the worker bundles: their licences travel with it.
const notices = ['sql.js', 'comlink', 'idb-keyval', 'zod'].map((pkg) => {
  const dir = join(ROOT, 'node_modules', pkg);
  const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  if (!file) throw new Error(`no licence file in ${pkg}`);
  return `${pkg}\n${'='.repeat(pkg.length)}\n\n${readFileSync(join(dir, file), 'utf8').trim()}\n`;
});
writeFileSync(join(DIST, 'THIRD-PARTY-LICENSES.txt'), `dist/store.worker.js and dist/sql-wasm.wasm include the following packages.\n\n${notices.join('\n\n')}`);
for (const f of readdirSync(DIST)) if (statSync(join(DIST, f)).isFile()) console.log(`dist/${f}  ${(statSync(join(DIST, f)).size / 1024).toFixed(1)} kB`);
