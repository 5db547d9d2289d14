/**
 * Loading sql.js in the worker: from the module the page compiled while
 * this worker started (client/wasm.ts), else by fetching the wasm here.
 */
import initSqlJs from 'sql.js';
import { asSqlJs, type SqlJs } from './sqljs';

/** Loads sql.js: `url` is where its wasm is; `fromPage`, when given, resolves to the page's compiled module or undefined. */
export type LoadSql = (url?: string, fromPage?: Promise<WebAssembly.Module | undefined>) => Promise<SqlJs>;

/** A `LoadSql` whose wasm is `defaultUrl` unless the page names another. sql.js loads once per worker: later calls get the first module. */
export function sqlJsLoader(defaultUrl: () => string): LoadSql {
  return async (url, fromPage) => {
    const href = url ?? defaultUrl();
    const compiled = await fromPage;
    if (!compiled) return asSqlJs(await initSqlJs({ locateFile: () => href }));
    // The instantiate hook has no way to fail sql.js's own promise: a failure is raced beside it.
    let fail!: (error: unknown) => void;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    const loading = initSqlJs({
      instantiateWasm(imports, receive) {
        WebAssembly.instantiate(compiled, imports)
          // Not the module this glue was built with (a page and a worker of different builds): fetch the worker's own.
          .catch(() => WebAssembly.instantiateStreaming(fetch(href, { credentials: 'same-origin' }), imports).then((r) => r.instance))
          .then(receive, fail);
        return {};
      },
    });
    return asSqlJs(await Promise.race([loading, failed]));
  };
}
