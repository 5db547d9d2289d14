/**
 * The store's dedicated worker: sql.js runs here, off the page's thread.
 * Everything else lives in store-host (testable without a worker).
 */
import { expose } from 'comlink';
import initSqlJs from 'sql.js';
import wasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';
import { installErrorTransfer } from '../shared/transfer';
import { asSqlJs } from './sqljs';
import { createWorkerApi } from './store-host';

installErrorTransfer();
expose(createWorkerApi(async () => asSqlJs(await initSqlJs({ locateFile: () => wasmUrl }))));
