/**
 * Compiling sql.js's wasm on the page while the store's worker starts.
 *
 * A cold open used to run three things one after another: the worker
 * starting (20-40 ms for an empty module worker in Chromium on the 2-core
 * machine, more with the store's script), then the wasm fetch and compile
 * (20-35 ms), then SQLite's first use. Browsers compile a streamed module
 * off the page's thread, so the page can start the compile the moment
 * `openStore` is called and hand the compiled module to the worker (a
 * `WebAssembly.Module` is structured-cloneable to a dedicated worker, and
 * its code is shared, not copied). The worker then instantiates at once,
 * and warms SQLite up while IndexedDB is still reading.
 *
 * Any failure here (no streaming compile, a CSP without
 * 'wasm-unsafe-eval' on the page, a URL the app's bundler did not copy)
 * only means the worker fetches the wasm itself, as before.
 */
import defaultWasm from 'sql.js/dist/sql-wasm-browser.wasm?url';

/**
 * Starts compiling the wasm the worker will use: the page's `wasmUrl`, or
 * the store's own wasm when the worker is the store's own too (a custom
 * worker may carry another sql.js build, whose wasm only it knows).
 * Resolves to undefined on any failure.
 */
export function compileWasm(wasmUrl: string | undefined, customWorker: boolean): Promise<WebAssembly.Module | undefined> {
  if (wasmUrl === undefined && customWorker) return Promise.resolve(undefined);
  if (typeof WebAssembly === 'undefined' || typeof WebAssembly.compileStreaming !== 'function' || typeof fetch !== 'function') return Promise.resolve(undefined);
  let url: string;
  try {
    url = wasmUrl ?? new URL(defaultWasm, import.meta.url).href;
  } catch {
    return Promise.resolve(undefined);
  }
  const compiled = fetch(url, { credentials: 'same-origin' })
    .then((response) => (response.ok ? WebAssembly.compileStreaming(response) : undefined))
    .catch(() => undefined);
  // The worker waits for this answer instead of fetching: a fetch that never settles must not hold the open.
  const gaveUp = new Promise<undefined>((resolve) => setTimeout(resolve, GIVE_UP_MS, undefined));
  return Promise.race([compiled, gaveUp]);
}

/** How long the worker waits for the page's module before it fetches the wasm itself. */
const GIVE_UP_MS = 10_000;
