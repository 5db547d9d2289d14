/**
 * The worker's one error boundary: every method of the API it exposes
 * settles with its value or with a `StoreError`, whatever went wrong
 * inside (a raw DOMException from IndexedDB or Web Locks, a TypeError from a
 * bug). Comlink would otherwise pass such errors on as plain `Error`s with
 * no code, which an app cannot act on.
 */
import { atBoundary } from '../../shared/errors';

/** The same API, each method's failure turned into a `StoreError`. */
export function withErrorBoundary<T extends object>(api: T): T {
  const guarded: Record<string, unknown> = {};
  for (const [key, method] of Object.entries(api) as [string, (...args: unknown[]) => Promise<unknown>][]) {
    guarded[key] = async (...args: unknown[]) => {
      try {
        return await method(...args);
      } catch (error) {
        throw atBoundary(error);
      }
    };
  }
  return guarded as T;
}

/**
 * Holds the Web Lock `name` for as long as this worker lives. The page asks
 * for the same lock: the browser grants it once the worker is gone (closed,
 * terminated or crashed, which no event reports), so the page can fail its
 * pending calls instead of leaving them pending forever.
 */
export function holdWhileAlive(name: string): Promise<void> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) return Promise.resolve(); // open() reports the missing API
  return new Promise<void>((held, fail) => {
    locks
      .request(String(name), () => {
        held();
        return new Promise<never>(() => undefined);
      })
      .catch(fail);
  });
}
