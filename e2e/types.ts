/** Types shared by the harness page and the Node side of the e2e tests. */
import type { Encoded } from './codec';
import type { E2eHelpers } from './harness';

export type Pacioli = typeof import('../src/index');
export type Store = Awaited<ReturnType<Pacioli['openStore']>>;
export type OpenOptions = Omit<Parameters<Pacioli['openStore']>[0], 'name'>;

/** What the page saw of an error, as plain data. */
export interface ErrorInfo {
  name: string;
  message: string;
  code: string | undefined;
  sqliteCode: string | undefined;
  /** `error instanceof pacioli.StoreError` in the page. */
  instanceOfStoreError: boolean;
  /** `pacioli.isStoreError(error)` in the page. */
  isStoreError: boolean;
  instanceOfError: boolean;
}

/** The outcome of a promise in the page, as plain data. */
export type Settled = { ok: true; value: Encoded } | { ok: false; error: ErrorInfo };

declare global {
  interface Window {
    pacioli: Pacioli;
    /** Test helpers installed by the harness. */
    e2e: E2eHelpers;
    /** Stores opened by tests, kept across `page.evaluate` calls. */
    stores: Record<string, Store>;
  }
}
