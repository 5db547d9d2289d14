/**
 * `npm run test:consumers`: proves `npm install pacioli` works in fresh apps.
 *
 * 1. Builds and packs the package; prints the tarball's size and refuses one
 *    that holds anything but dist/ (no tests, bench or demo app).
 * 2. Lays out, in a temp folder, a fresh Vite app (vanilla template, no
 *    vite.config), a webpack 5 app (no webpack.config) and an esbuild app (the
 *    escape hatch: it copies the worker and the wasm and passes their URLs),
 *    each depending on the tarball, and installs them (from npm's cache).
 * 3. Type-checks a consumer file against the packed .d.ts under `strict`,
 *    builds the apps, then runs consumer.spec.ts in Chromium and Firefox
 *    against `vite`, `vite preview`, the webpack build and the esbuild build.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const APPS = join(ROOT, 'consumer', 'apps');
const started = Date.now();
const step = (what: string) => console.log(`[consumer ${((Date.now() - started) / 1000).toFixed(0)} s] ${what}`);
const version = (pkg: string): string => (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
const sh = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) => execFileSync(cmd, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });

/** Runs npm install in `cwd`; resolves when done. Two run side by side: the wait is mostly I/O. */
function install(cwd: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd, stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`npm install in ${cwd} failed (${code})`))));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'pacioli-consumers-'));
let ok = false;
try {
  step('build and pack');
  sh('npm', ['run', '--silent', 'build:lib'], ROOT);
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' })) as {
    filename: string;
    size: number;
    unpackedSize: number;
    files: { path: string }[];
  }[];
  if (!packed) throw new Error('npm pack reported nothing');
  console.log(`tarball ${packed.filename}: ${(packed.size / 1024).toFixed(1)} kB packed, ${(packed.unpackedSize / 1024).toFixed(1)} kB unpacked, ${packed.files.length} files`);
  const stray = packed.files.map((f) => f.path).filter((p) => !/^(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/.+)$/.test(p) || /(^|\/)(test|e2e|bench|app|results)\/|\.(spec|test)\.|harness/.test(p));
  if (stray.length) throw new Error(`the tarball holds what it must not: ${stray.join(', ')}`);
  // Nothing of the benchmark's contenders, the test tools or the demo app may be bundled into what ships.
  const shipped = packed.files.filter((f) => f.path.endsWith('.js')).map((f) => readFileSync(join(ROOT, f.path), 'utf8')).join('\n');
  const leaked = ['dexie', 'wa-sqlite', 'fast-check', 'vitest', '@playwright', 'e2e/', 'bench/', 'src/app'].filter((marker) => shipped.includes(marker));
  if (leaked.length) throw new Error(`the shipped JavaScript mentions ${leaked.join(', ')}`);
  const tarball = join(dir, packed.filename);

  step('lay out the apps');
  cpSync(join(APPS, 'vite'), join(dir, 'vite'), { recursive: true });
  cpSync(join(APPS, 'webpack'), join(dir, 'webpack'), { recursive: true });
  cpSync(join(APPS, 'esbuild'), join(dir, 'esbuild'), { recursive: true });
  const readme = /## Use\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'))?.[1];
  if (!readme) throw new Error('README.md has no ts example under "## Use"');
  writeFileSync(join(dir, 'vite', 'src', 'readme.ts'), `${readme}\nexport default () => ({ ran: true });\n`);
  const readmeReact = /\*\*Live queries in React and Preact\.\*\*[\s\S]*?```ts\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'))?.[1];
  if (!readmeReact) throw new Error('README.md has no ts example under "Live queries in React and Preact"');
  writeFileSync(join(dir, 'vite', 'src', 'readme-react.ts'), `${readmeReact}\nexport default () => ({ ran: true });\n`);
  for (const app of ['vite', 'webpack', 'esbuild']) cpSync(join(APPS, 'shared', 'store-check.js'), join(dir, app, 'src', 'store-check.js'));
  // The versions this repo's lock pins, so npm finds them in its cache; pacioli from the tarball, as `npm install ./pacioli-0.1.0.tgz` writes it.
  const pin = (names: string[]) => Object.fromEntries(names.map((n) => [n, version(n)]));
  const pkg = (name: string, scripts: Record<string, string>, deps: string[], devDeps: string[]) =>
    JSON.stringify({ name, private: true, version: '0.0.0', type: 'module', scripts, dependencies: { pacioli: `file:${tarball}`, ...pin(deps) }, devDependencies: pin(devDeps) }, null, 2);
  writeFileSync(join(dir, 'vite', 'package.json'), pkg('vite-app', { dev: 'vite', build: 'vite build', preview: 'vite preview' }, ['react', 'react-dom', 'preact'], ['vite', 'typescript', '@types/react']));
  writeFileSync(join(dir, 'webpack', 'package.json'), pkg('webpack-app', { build: 'webpack --mode production' }, [], ['webpack', 'webpack-cli']));
  writeFileSync(join(dir, 'esbuild', 'package.json'), pkg('esbuild-app', { build: 'esbuild src/index.js --bundle --format=esm --outdir=dist' }, [], ['esbuild']));

  step('npm install (three apps)');
  await Promise.all(['vite', 'webpack', 'esbuild'].map((app) => install(join(dir, app))));

  step('types: tsc --strict against the packed .d.ts');
  sh('npx', ['--no-install', 'tsc', '-p', 'types'], join(dir, 'vite'));
  step('vite build');
  sh('npx', ['--no-install', 'vite', 'build', '--logLevel', 'warn'], join(dir, 'vite'));
  step('webpack build');
  sh('npx', ['--no-install', 'webpack', '--mode', 'production', '--no-stats'], join(dir, 'webpack'));
  cpSync(join(dir, 'webpack', 'index.html'), join(dir, 'webpack', 'dist', 'index.html'));
  step('esbuild build, and the worker and the wasm copied by hand under names of their own');
  const esbuildApp = join(dir, 'esbuild');
  sh('npx', ['--no-install', 'esbuild', 'src/index.js', '--bundle', '--format=esm', '--outdir=dist', '--log-level=warning'], esbuildApp);
  cpSync(join(esbuildApp, 'index.html'), join(esbuildApp, 'dist', 'index.html'));
  const fromPackage = createRequire(join(esbuildApp, 'package.json'));
  cpSync(fromPackage.resolve('pacioli/store.worker.js'), join(esbuildApp, 'dist', 'static', 'pacioli-worker.js'));
  cpSync(fromPackage.resolve('pacioli/sql-wasm.wasm'), join(esbuildApp, 'dist', 'static', 'sqlite.wasm'));

  step('browsers');
  sh('npx', ['playwright', 'test', '-c', 'consumer/playwright.config.ts', ...process.argv.slice(2)], ROOT, { ...process.env, CONSUMER_DIR: dir });
  ok = true;
} finally {
  step(ok ? 'passed' : `failed; the apps are kept in ${dir}`);
  if (ok) rmSync(dir, { recursive: true, force: true });
}
