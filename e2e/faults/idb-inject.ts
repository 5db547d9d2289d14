/**
 * IndexedDB fault injection inside the store's worker, in the style of
 * SQLite's I/O-error tests: once armed, the Nth IndexedDB request fails
 * (only that one, or that one and every later one until healed). A request
 * here is every call that makes an IDBRequest: `indexedDB.open`, and the
 * object store's reads and writes. A failure is either thrown at the call
 * (`throw`) or, more like a disk error, the request is issued and its
 * transaction aborted at once (`abort`), so it fails asynchronously.
 */
import type { Page } from '@playwright/test';
import { injectIntoWorkers } from '../worker-faults';

/** How an injected failure shows. */
export type FailureKind = 'throw' | 'abort';

/** What to fail: the `n`th request from now, and (if `persistent`) every later one. */
export interface Arm {
  n: number;
  persistent: boolean;
  kind: FailureKind;
}

/** The prelude: runs at the start of every worker of the page. */
function prelude(): void {
  let armed: Arm | null = null;
  let count = 0;
  // A store named with `[arm n once|persistent throw|abort]` is armed from its worker's first instruction,
  // so that failures during openStore are counted exactly (a channel message could arrive late).
  const fromName = /\[arm (\d+) (once|persistent) (throw|abort)\]/.exec((self as unknown as { name: string }).name);
  if (fromName) armed = { n: Number(fromName[1]), persistent: fromName[2] === 'persistent', kind: fromName[3] as FailureKind };
  const channel = new BroadcastChannel('e2e-faults');
  channel.onmessage = (event: MessageEvent) => {
    const message = event.data as { arm?: Arm; heal?: boolean };
    if (message.arm) {
      armed = message.arm;
      count = 0;
      channel.postMessage({ armed: true });
    }
    if (message.heal) armed = null;
  };
  const due = (): FailureKind | null => {
    if (!armed) return null;
    count++;
    if (count === armed.n || (armed.persistent && count > armed.n)) {
      channel.postMessage({ injected: 1 });
      return armed.kind;
    }
    return null;
  };
  const methods = ['put', 'add', 'get', 'getAll', 'getAllKeys', 'getKey', 'delete', 'clear', 'count', 'openCursor', 'openKeyCursor'] as const;
  for (const method of methods) {
    const proto = IDBObjectStore.prototype as unknown as Record<string, (...args: unknown[]) => IDBRequest>;
    const original = proto[method];
    if (!original) continue;
    proto[method] = function (this: IDBObjectStore, ...args: unknown[]) {
      const kind = due();
      if (kind === 'throw') throw new DOMException(`injected: ${method} failed`, 'UnknownError');
      const request = original.apply(this, args);
      if (kind === 'abort') this.transaction.abort();
      return request;
    };
  }
  const open = IDBFactory.prototype.open;
  IDBFactory.prototype.open = function (this: IDBFactory, name: string, version?: number) {
    if (due()) throw new DOMException('injected: open failed', 'UnknownError');
    return version === undefined ? open.call(this, name) : open.call(this, name, version);
  };
}

/** A store name that arms the injector from the start of the store's worker. */
export function armedName(base: string, how: Arm): string {
  return `${base} [arm ${how.n} ${how.persistent ? 'persistent' : 'once'} ${how.kind}]`;
}

/**
 * Installs the injector in every worker the page makes, and a collector of
 * its reports on the page. The page's own read of a store at `openStore`
 * (client/page-read.ts) is refused there: every open then reads in its
 * worker, where the injector counts the requests, and so the open's reads
 * are the ones that fail. (A failed page read only means the worker reads
 * itself; e2e/page-read.spec.ts covers that.)
 */
export async function installIdbFaults(page: Page): Promise<void> {
  await injectIntoWorkers(page, prelude, null);
  await page.addInitScript(() => {
    const open = IDBFactory.prototype.open;
    IDBFactory.prototype.open = function (this: IDBFactory, name: string, version?: number) {
      if (name.startsWith('pacioli:')) throw new DOMException('this page leaves the store\'s reads to its worker', 'UnknownError');
      return version === undefined ? open.call(this, name) : open.call(this, name, version);
    };
  });
  await page.addInitScript(() => {
    const w = window as unknown as { idbInjected: number };
    w.idbInjected = 0;
    new BroadcastChannel('e2e-faults').onmessage = (event: MessageEvent) => {
      if ((event.data as { injected?: number }).injected) w.idbInjected++;
    };
  });
}

/** Arms the injector in the page's workers and waits until one of them took it. */
export async function arm(page: Page, how: Arm): Promise<void> {
  await page.evaluate(async (how) => {
    const channel = new BroadcastChannel('e2e-faults');
    const taken = new Promise<void>((resolve) => {
      channel.onmessage = (event: MessageEvent) => {
        if ((event.data as { armed?: boolean }).armed) resolve();
      };
    });
    channel.postMessage({ arm: how });
    await Promise.race([taken, new Promise((r) => setTimeout(r, 500))]);
    channel.close();
  }, how);
}

/** Stops injecting: IndexedDB works again. */
export async function heal(page: Page): Promise<void> {
  await page.evaluate(() => {
    const channel = new BroadcastChannel('e2e-faults');
    channel.postMessage({ heal: true });
    channel.close();
  });
  // Let the message reach the workers before the next call.
  await page.waitForTimeout(20);
}

/** How many failures were injected in the page's workers so far. */
export function injectedSoFar(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { idbInjected: number }).idbInjected);
}
