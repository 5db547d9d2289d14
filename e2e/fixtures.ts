/**
 * Playwright fixtures for the store's e2e tests.
 *
 * `harness` is a page on the harness (its own fresh BrowserContext per test,
 * hence a fresh origin storage); `db` drives stores inside that page through
 * the public API, keeping each open store on `window.stores[name]` across
 * `page.evaluate` calls. Values cross the protocol boundary through the
 * codec in `codec.ts`, so a test sees real `bigint`s and `Uint8Array`s.
 */
import { test as base, expect, type Page } from '@playwright/test';
import { decode, encode, type Encoded } from './codec';
import type { StoreStats } from '../src/shared/types';
import type { ErrorInfo, OpenOptions, Settled } from './types';

export { expect };
export type { ErrorInfo, Settled };

/** Params as a test writes them (bigints and Uint8Arrays allowed). */
export type Params = unknown[] | Record<string, unknown>;

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/** What `store.stats()` reports. */
export type Stats = StoreStats;

/**
 * `E2E_LOG=opfs` runs the store's specs with every store appending to the
 * OPFS log (`log: 'opfs'`) unless a test says otherwise.
 */
const LOG_DEFAULT: OpenOptions = process.env.E2E_LOG ? ({ log: process.env.E2E_LOG } as OpenOptions) : {};

/** Navigates to the harness and waits until it has exposed the API. */
export async function gotoHarness(page: Page): Promise<void> {
  await page.goto('/e2e/harness.html');
  await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
}

/** Reloads the harness page (stores opened before are gone) and waits until it is ready again. */
export async function reloadHarness(page: Page): Promise<void> {
  await page.reload();
  await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
}

type Method = 'query' | 'run' | 'stats' | 'compact' | 'close';

/** Store operations inside a harness page. */
export class Db {
  constructor(readonly page: Page) {}

  /** `openStore({ name, ...options })` in the page, as plain data. */
  tryOpen(name: string, options: OpenOptions = {}): Promise<Settled> {
    return this.page.evaluate(
      async ({ name, options }) =>
        window.e2e.settle(
          window.pacioli.openStore({ ...options, name }).then((store) => {
            window.stores[name] = store;
            return null;
          }),
        ),
      { name, options: { ...LOG_DEFAULT, ...options } },
    );
  }

  /** Opens a store and keeps it on `window.stores[name]`; fails the test if that fails. */
  async open(name: string, options: OpenOptions = {}): Promise<void> {
    unwrap(await this.tryOpen(name, options), `openStore(${name})`);
  }

  /** Calls one store method in the page; never throws, reports the outcome. */
  attempt(name: string, method: Method, sql?: string, params?: Params): Promise<Settled> {
    return this.page.evaluate(
      async ({ name, method, sql, params }) => {
        const store = window.stores[name];
        if (!store) throw new Error(`no open store named ${name} on this page`);
        const text = sql ?? '';
        const values = params === undefined ? undefined : (window.e2e.decode(params as Encoded) as unknown[]);
        switch (method) {
          case 'query':
            return window.e2e.settle(values === undefined ? store.query(text) : store.query(text, values));
          case 'run':
            return window.e2e.settle(values === undefined ? store.run(text) : store.run(text, values));
          case 'stats':
            return window.e2e.settle(store.stats());
          case 'compact':
            return window.e2e.settle(store.compact());
          case 'close':
            return window.e2e.settle(store.close());
        }
      },
      { name, method, sql, params: (params === undefined ? undefined : encode(params)) as unknown },
    );
  }

  /** Rows of a query; fails the test on an error. */
  async query<T = Record<string, unknown>>(name: string, sql: string, params?: Params): Promise<T[]> {
    return unwrap(await this.attempt(name, 'query', sql, params), sql) as T[];
  }

  /** Runs a write; fails the test on an error. */
  async run(name: string, sql: string, params?: Params): Promise<RunResult> {
    return unwrap(await this.attempt(name, 'run', sql, params), sql) as RunResult;
  }

  /** Runs a statement that must fail and returns what the page saw of the error. */
  async fail(name: string, method: 'query' | 'run', sql: string, params?: Params): Promise<ErrorInfo> {
    const outcome = await this.attempt(name, method, sql, params);
    if (outcome.ok) throw new Error(`expected ${method}(${sql}) to reject, it resolved with ${JSON.stringify(outcome.value)}`);
    return outcome.error;
  }

  async stats(name: string): Promise<Stats> {
    return unwrap(await this.attempt(name, 'stats'), 'stats()') as Stats;
  }

  async compact(name: string): Promise<void> {
    unwrap(await this.attempt(name, 'compact'), 'compact()');
  }

  async close(name: string): Promise<void> {
    unwrap(await this.attempt(name, 'close'), 'close()');
  }

  /** Reloads the page; every store opened on it is gone afterwards. */
  reload(): Promise<void> {
    return reloadHarness(this.page);
  }
}

/** The value of a settled outcome, or a test failure naming the operation and the error. */
export function unwrap(outcome: Settled, what: string): unknown {
  if (!outcome.ok) {
    const { name, code, message } = outcome.error;
    throw new Error(`${what} rejected: ${name}${code ? ` [${code}]` : ''}: ${message}`);
  }
  return decode(outcome.value as Encoded);
}

export const test = base.extend<{ harness: Page; db: Db }>({
  harness: async ({ page }, use) => {
    await gotoHarness(page);
    await use(page);
  },
  db: async ({ harness }, use) => {
    await use(new Db(harness));
  },
});
