// esbuild does not follow new URL(…, import.meta.url): this app copies the worker and the wasm to
// static/ under names of its own (consumer/run.ts) and passes their URLs: the escape hatch.
import { deleteStore, openStore, recoveryCopy } from 'pacioli';
import check from './store-check.js';

const worker = '/static/pacioli-worker.js';
const wasmUrl = 'static/sqlite.wasm'; // relative: resolved against the page

async function main() {
  const params = new URLSearchParams(location.search);
  const result = await check(params, { worker, wasmUrl });
  // The module functions take the same options: a ready Worker, and a function that starts one.
  const copy = await recoveryCopy(params.get('name'), { worker: new Worker(worker, { type: 'module' }), wasmUrl });
  const doomed = `${params.get('name')}-doomed`;
  const store = await openStore({ name: doomed, worker: () => new Worker(worker, { type: 'module' }), wasmUrl });
  await store.run('CREATE TABLE t(x)');
  await store.close();
  await deleteStore(doomed, { worker: () => new Worker(worker, { type: 'module' }) });
  // A copy may or may not be saved yet (it is written in the background); the call must work either way.
  return { ...result, recoveryCopy: copy === undefined || typeof copy.seq === 'number' ? 'answered' : 'odd' };
}

main().then(
  (result) => (window.__result = result),
  (error) => (window.__result = { error: `${error?.code ?? ''} ${error?.message ?? error}` }),
);
