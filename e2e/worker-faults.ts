/**
 * Fault injection inside the store's worker.
 *
 * Playwright's init scripts run in pages, not in workers, yet the store's
 * IndexedDB, Web Locks and SQLite all live in its worker. So an init script
 * replaces the page's `Worker` constructor: a module worker then starts from
 * a small blob module that first imports a *prelude* (the test's fault code,
 * as source text) and then the real worker script. Static imports evaluate
 * in order and synchronously, so the prelude is in place before the store's
 * code runs, and the worker's message listener is attached in the same task
 * as before (no message from the page can be lost).
 *
 * The prelude talks to the test over a BroadcastChannel (`e2e-faults`):
 * `tellWorkers(page, message)` posts to it; `switchWorkers(page, message)`
 * also waits for the prelude's `{ ack: ackId }`. Every worker the page made is
 * kept on `window.e2eWorkers`, so a test can `terminate()` one.
 */
import type { Page } from '@playwright/test';

declare global {
  interface Window {
    e2eWorkers?: Worker[];
  }
}

/**
 * Runs `prelude` (a function, serialized) at the start of every module
 * worker the page creates from now on, with `arg` (JSON) as its argument.
 * Inside it, `self` is the worker's global.
 */
export async function injectIntoWorkers<A>(page: Page, prelude: (arg: A) => void, arg: A): Promise<void> {
  const source = `(${prelude.toString()})(${JSON.stringify(arg)});`;
  await page.addInitScript((preludeSource: string) => {
    const Native = window.Worker;
    const workers: Worker[] = (window.e2eWorkers = []);
    const preludeUrl = URL.createObjectURL(new Blob([preludeSource], { type: 'text/javascript' }));
    window.Worker = class extends Native {
      constructor(url: string | URL, options?: WorkerOptions) {
        let target = url;
        if (options?.type === 'module') {
          const real = new URL(String(url), location.href).href;
          const boot = `import ${JSON.stringify(preludeUrl)};\nimport ${JSON.stringify(real)};\n`;
          target = URL.createObjectURL(new Blob([boot], { type: 'text/javascript' }));
        }
        super(target, options);
        workers.push(this);
      }
    } as typeof Worker;
  }, source);
}

/**
 * Posts `message` to the worker preludes of the origin and waits until one
 * acknowledges it: a prelude answers `{ ack: message.ackId }` on the same
 * channel once it acted. (Without the wait, the store's next RPC could
 * overtake the message: the two travel on different channels.)
 */
export async function switchWorkers(page: Page, message: Record<string, unknown>): Promise<void> {
  await page.evaluate(
    (message) =>
      new Promise<void>((resolve, reject) => {
        const ackId = Math.random().toString(36).slice(2);
        const channel = new BroadcastChannel('e2e-faults');
        const timer = setTimeout(() => (channel.close(), reject(new Error('no worker prelude acknowledged the message'))), 10_000);
        channel.onmessage = (event: MessageEvent<{ ack?: string }>) => {
          if (event.data?.ack !== ackId) return;
          clearTimeout(timer);
          channel.close();
          resolve();
        };
        channel.postMessage({ ...message, ackId });
      }),
    message,
  );
}

/** Posts `message` to every worker prelude of the origin (and any page listening), without waiting. */
export async function tellWorkers(page: Page, message: unknown): Promise<void> {
  await page.evaluate((message) => {
    const channel = new BroadcastChannel('e2e-faults');
    channel.postMessage(message);
    channel.close();
  }, message);
}

/**
 * In the store's worker: once its own listener has taken an announcement of
 * another tab's commit, tells the test so (on `e2e-faults`). Only then does
 * the test know the worker heard it: a page and its worker get a
 * BroadcastChannel message independently, in either order.
 */
export function reportHeard(): void {
  const report = new BroadcastChannel('e2e-faults');
  const Native = self.BroadcastChannel;
  self.BroadcastChannel = class extends Native {
    override set onmessage(fn: ((this: BroadcastChannel, event: MessageEvent) => unknown) | null) {
      super.onmessage =
        fn &&
        ((event: MessageEvent) => {
          const result = fn.call(this, event);
          const data = event.data as { type?: string; seq?: number; list?: { seq: number }[] } | null;
          if (data?.type === 'commit') report.postMessage({ heard: data.seq });
          if (data?.type === 'commits') for (const note of data.list ?? []) report.postMessage({ heard: note.seq });
          return result;
        });
    }
    override get onmessage(): ((this: BroadcastChannel, event: MessageEvent) => unknown) | null {
      return super.onmessage;
    }
  };
}
