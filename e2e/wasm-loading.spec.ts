/**
 * Where sql.js's wasm comes from: the page compiles it while the worker
 * starts and hands the module over (client/wasm.ts), so a cold open
 * fetches it once; when the page cannot, the worker fetches its own.
 */
import { expect, test } from './fixtures';

/** The wasm itself (the dev server also serves the `?url` import of it as a small module: not that). */
const isWasm = (url: string | URL) => {
  const { pathname, searchParams } = new URL(url);
  return pathname.endsWith('.wasm') && !searchParams.has('import');
};

test('the worker runs the wasm the page compiled: one fetch of it for the open', async ({ db, context }) => {
  const fetched: string[] = [];
  context.on('request', (request) => {
    if (isWasm(request.url())) fetched.push(request.url());
  });
  await db.open('from-page');
  await db.run('from-page', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  await db.run('from-page', 'INSERT INTO t (v) VALUES (?)', ['one']);
  expect(await db.query('from-page', 'SELECT v FROM t')).toEqual([{ v: 'one' }]);
  expect(fetched).toHaveLength(1);
});

test('when the page cannot fetch the wasm, the worker fetches its own and the store opens', async ({ db, context }) => {
  const seen: string[] = [];
  await context.route(isWasm, (route) => {
    seen.push(route.request().url());
    return seen.length === 1 ? route.abort('failed') : route.continue();
  });
  await db.open('from-worker');
  await db.run('from-worker', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  await db.run('from-worker', 'INSERT INTO t (v) VALUES (?)', ['two']);
  expect(await db.query('from-worker', 'SELECT v FROM t')).toEqual([{ v: 'two' }]);
  expect(seen).toHaveLength(2); // the page's, refused; the worker's own
});
