/**
 * The store's dedicated worker: sql.js runs here, off the page's thread.
 * It registers what domains add (the ledger's backup check) and exposes
 * the API (rpc/api.ts) inside the one error boundary (rpc/boundary.ts).
 */
import { expose } from 'comlink';
import wasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';
import { ledgerBackupCheck } from '../ledger/backup-check';
import { enableStages, stage, STAGES_WORKER_NAME } from '../shared/stages';
import { installErrorTransfer } from '../shared/wire';
import { registerBackupCheck } from './features/backup-checks';
import { withErrorBoundary } from './rpc/boundary';
import { sqlJsLoader } from './sql/load-sql';
import { createWorkerApi } from './rpc/api';

// The benchmark's stage breakdowns (shared/stages.ts): off unless started under this name.
if (self.name === STAGES_WORKER_NAME) enableStages();
stage('open:worker-started');
installErrorTransfer();
// Domains register what backup verification must check beyond the store's own rules.
registerBackupCheck(ledgerBackupCheck);
// The page's `wasmUrl` option wins (bundlers that cannot follow import.meta.url, strict CSP). Else the
// default is resolved against this module, not the worker's base URL: a worker started from a blob (or a
// bundler's chunk folder) would otherwise look for the wasm in the wrong place. In the published package
// (scripts/build-lib.ts) the `?url` import above becomes `new URL('./sql-wasm.wasm', import.meta.url)`.
// Through a variable: webpack takes `new URL(<not a literal>, import.meta.url)` for a file pattern to bundle,
// finds none, and throws "Cannot find module" at run time.
const moduleUrl = import.meta.url;
const loadSql = sqlJsLoader(() => new URL(wasmUrl, moduleUrl).href);
expose(withErrorBoundary(createWorkerApi(loadSql)));
