/**
 * Drives ledgers inside the harness page through the public `openLedger`,
 * the way `Db` in `fixtures.ts` drives stores. Each open ledger is kept on
 * `window.ledgers[name]` across `page.evaluate` calls; arguments and results
 * cross the protocol boundary through the codec, so amounts stay `bigint`.
 */
import type { Page } from '@playwright/test';
import { encode, type Encoded } from './codec';
import { expect, reloadHarness, test as base, unwrap, type ErrorInfo, type Settled } from './fixtures';
import type { Pacioli } from './types';

export { expect };
export type { ErrorInfo, Settled };

export type Ledger = Awaited<ReturnType<Pacioli['openLedger']>>;
/** Every ledger method a test may call (the underlying store and the sync are reached separately). */
export type LedgerMethod = Exclude<keyof Ledger, 'store' | 'sync'>;
type Args<M extends LedgerMethod> = Parameters<Ledger[M]>;
type Result<M extends LedgerMethod> = Awaited<ReturnType<Ledger[M]>>;

declare global {
  interface Window {
    /** Ledgers opened by tests, kept across `page.evaluate` calls. */
    ledgers: Record<string, Ledger>;
  }
}

/** JSON-safe form of a value for messages (bigints as `123n`). */
export function show(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** Ledger operations inside a harness page. */
export class Ledgers {
  constructor(readonly page: Page) {}

  /** `openLedger({ name })` in the page, as plain data. */
  tryOpen(name: string): Promise<Settled> {
    return this.page.evaluate(
      async (name) =>
        window.e2e.settle(
          window.pacioli.openLedger({ name }).then((ledger) => {
            window.ledgers ??= {};
            window.ledgers[name] = ledger;
            return null;
          }),
        ),
      name,
    );
  }

  /** Opens a ledger and keeps it on `window.ledgers[name]`; fails the test if that fails. */
  async open(name: string): Promise<void> {
    unwrap(await this.tryOpen(name), `openLedger(${name})`);
  }

  /** Calls one ledger method with untyped arguments; never throws, reports the outcome. */
  attemptRaw(name: string, method: LedgerMethod, args: readonly unknown[]): Promise<Settled> {
    return this.page.evaluate(
      async ({ name, method, args }) => {
        const ledger = window.ledgers?.[name];
        if (!ledger) throw new Error(`no open ledger named ${name} on this page`);
        const values = window.e2e.decode(args as Encoded) as unknown[];
        const fn = ledger[method as LedgerMethod] as (...a: unknown[]) => Promise<unknown>;
        return window.e2e.settle(fn.apply(ledger, values));
      },
      { name, method, args: encode(args) as unknown },
    );
  }

  /** Calls one ledger method; never throws, reports the outcome. */
  attempt<M extends LedgerMethod>(name: string, method: M, ...args: Args<M>): Promise<Settled> {
    return this.attemptRaw(name, method, args);
  }

  /** The result of a ledger method; fails the test on an error. */
  async call<M extends LedgerMethod>(name: string, method: M, ...args: Args<M>): Promise<Result<M>> {
    return unwrap(await this.attempt(name, method, ...args), `${method}${show(args)}`) as Result<M>;
  }

  /** Calls a method that must fail and returns what the page saw of the error. */
  async fail<M extends LedgerMethod>(name: string, method: M, ...args: Args<M>): Promise<ErrorInfo> {
    const outcome = await this.attempt(name, method, ...args);
    if (outcome.ok) throw new Error(`expected ${method}${show(args)} to reject, it resolved with ${JSON.stringify(outcome.value)}`);
    return outcome.error;
  }

  /** Balances of `players`, in that order. */
  async balances(name: string, players: readonly string[]): Promise<bigint[]> {
    const out: bigint[] = [];
    for (const p of players) out.push(await this.call(name, 'getBalance', p));
    return out;
  }

  /** Rows of a query on the ledger's underlying store; fails the test on an error. */
  async query<T = Record<string, unknown>>(name: string, sql: string): Promise<T[]> {
    const outcome = await this.page.evaluate(
      async ({ name, sql }) => window.e2e.settle(window.ledgers[name]!.store.query(sql)),
      { name, sql },
    );
    return unwrap(outcome, sql) as T[];
  }

  /** Closes the ledger's store and forgets it. */
  async close(name: string): Promise<void> {
    const outcome = await this.page.evaluate(async (name) => {
      const ledger = window.ledgers[name]!;
      delete window.ledgers[name];
      return window.e2e.settle(ledger.store.close());
    }, name);
    unwrap(outcome, `close(${name})`);
  }

  /** Reloads the page; every ledger opened on it is gone afterwards. */
  reload(): Promise<void> {
    return reloadHarness(this.page);
  }
}

export const test = base.extend<{ ledgers: Ledgers }>({
  ledgers: async ({ harness }, use) => {
    await use(new Ledgers(harness));
  },
});
