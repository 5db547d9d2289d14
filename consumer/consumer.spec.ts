/**
 * The installed package in real browsers, as a consumer builds it: a fresh
 * Vite app served by `vite` (dev) and by `vite build` + `vite preview`, and a
 * webpack 5 app, none with any configuration for pacioli; and an esbuild app
 * that passes the worker's and the wasm's URLs (see consumer/run.ts).
 */
import { expect, test, type Page } from '@playwright/test';
import { PORTS } from './playwright.config';

const TARGETS = [
  { name: 'vite dev', port: PORTS.viteDev },
  { name: 'vite build', port: PORTS.vitePreview },
  { name: 'webpack 5', port: PORTS.webpack },
  { name: 'esbuild, worker and wasmUrl given', port: PORTS.esbuild },
];

/** Loads `query` on the target and returns what the page's check reported. */
async function run(page: Page, port: number, query: Record<string, string>): Promise<Record<string, unknown>> {
  await page.goto(`http://localhost:${port}/?${new URLSearchParams(query)}`);
  const handle = await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result, undefined, { timeout: 30_000 });
  const result = (await handle.jsonValue()) as Record<string, unknown>;
  expect(result.error, 'the page reported an error').toBeUndefined();
  return result;
}

/** The wasm itself (Vite's dev server also serves the `?url` import of it as a small module: not that). */
function isWasm(url: string): boolean {
  const { pathname, searchParams } = new URL(url);
  return pathname.endsWith('.wasm') && !searchParams.has('import');
}

let unique = 0;
const storeName = (what: string) => `${what}-${Date.now()}-${unique++}`;

for (const target of TARGETS) {
  test(`${target.name}: opens a store, writes, reloads, reads back`, async ({ page }) => {
    // A reload forced by the dev server (a dependency found late and re-optimised) would show as an extra navigation.
    let navigations = 0;
    page.on('framenavigated', (frame) => frame === page.mainFrame() && navigations++);
    // The page compiles the wasm while the worker starts and hands it over (src/client/wasm.ts): one fetch,
    // found where the bundler put it. A second would be the worker fetching its own after the page failed.
    const wasm: string[] = [];
    page.on('response', (response) => isWasm(response.url()) && wasm.push(`${response.status()} ${new URL(response.url()).pathname}`));
    const name = storeName('roundtrip');
    const written = await run(page, target.port, { name, step: 'write', body: 'hello' });
    // The esbuild app's recoveryCopy then runs in a worker of its own, which fetches the wasm itself.
    const more = target.port === PORTS.esbuild ? [expect.stringMatching(/^(200|304) /)] : [];
    expect(wasm).toEqual([expect.stringMatching(/^200 /), ...more]);
    const expected = [{ body: 'hello', big: `${2n ** 62n + 1n}n` }];
    // The esbuild app also ran recoveryCopy and deleteStore with the options (a failure would be the page's error).
    const { recoveryCopy, ...rest } = written;
    expect(rest).toEqual({ rows: expected, typedError: true, isolated: false });
    expect(recoveryCopy).toBe(target.port === PORTS.esbuild ? 'answered' : undefined);
    const read = await run(page, target.port, { name, step: 'read' });
    expect(read.rows).toEqual(expected);
    expect(navigations).toBe(2);
  });
}

for (const target of TARGETS.slice(0, 2)) {
  test(`${target.name}: the README's examples run as pasted`, async ({ page }) => {
    const logged: string[] = [];
    page.on('console', (message) => logged.push(message.text()));
    // The example opens the store 'books'; each test has a browser context, so an origin's storage, of its own.
    for (let load = 0; load < 2; load++) expect(await run(page, target.port, { t: 'readme' })).toEqual({ ran: true });
    expect(logged.filter((text) => text === 'UNIQUE constraint failed: account.id')).toHaveLength(2);
    // The React example, on the account the first example made: alice's balance, after two transfers of 1.
    expect(await run(page, target.port, { t: 'readme-react' })).toEqual({ ran: true });
    await expect(page.locator('#app p')).toHaveText(String(2n ** 62n - 2n));
  });
}

for (const framework of ['react', 'preact']) {
  for (const target of TARGETS.slice(0, 2)) {
    test(`${target.name}: ${framework} useLiveQuery follows other tabs' commits, and unsubscribes`, async ({ page, context }) => {
      const name = storeName(framework);
      await run(page, target.port, { t: framework, name });
      const out = page.locator('#out');
      await expect(out).toHaveText('a=none');
      const other = await context.newPage();
      const bump = async (k: string) => expect(await run(other, target.port, { name, step: 'bump', k })).toEqual({ bumped: true });
      const active = () => page.evaluate(() => (window as unknown as { check: { active(): number } }).check.active());

      await bump('a');
      await expect(out).toHaveText('a=1');
      await expect.poll(active).toBe(1);

      // New params: the old subscription ends, the new one follows its own rows.
      await page.evaluate(() => (window as unknown as { check: { setKey(k: string): void } }).check.setKey('b'));
      await expect(out).toHaveText('b=none');
      await expect.poll(active).toBe(1);
      await bump('b');
      await expect(out).toHaveText('b=1');
      await bump('a');
      await bump('b');
      await expect(out).toHaveText('b=2');

      // Unmounted: no subscription is left, and a later commit renders nothing.
      await page.evaluate(() => (window as unknown as { check: { unmount(): void } }).check.unmount());
      // React runs the cleanup within unmount(); Preact 11 runs it a frame later.
      await expect.poll(active).toBe(0);
      await expect(out).toHaveCount(0);
      const renders = await page.evaluate(() => (window as unknown as { check: { renders(): number } }).check.renders());
      await bump('b');
      await page.waitForTimeout(1_500); // past the 1 s poll, which delivers a missed announcement at the latest
      expect(await page.evaluate(() => (window as unknown as { check: { renders(): number } }).check.renders())).toBe(renders);
    });
  }
}
