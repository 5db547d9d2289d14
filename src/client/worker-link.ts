/**
 * The page's end of one store worker: the Comlink proxy, and the one place
 * every call goes through. `call()` always settles: with the worker's
 * answer, or with a `StoreError` (the page's error boundary), also when the
 * worker errors out, is terminated or crashes. Comlink alone would leave
 * such a call pending forever.
 */
import { releaseProxy, wrap, type Remote } from 'comlink';
import type { WorkerApi } from '../shared/contract';
import { atBoundary, StoreError } from '../shared/errors';
import type { LoadOptions, WorkerSource } from '../shared/types';
import { installErrorTransfer } from '../shared/wire';
import { checkLoadOptions } from './options';

/**
 * Starts a store's worker. The default must stay this literal
 * `new Worker(new URL('…', import.meta.url), { type: 'module' })`: it is what
 * Vite and webpack 5 recognise to bundle the worker and copy it (the
 * package build points it at `./store.worker.js`).
 */
function startWorker(name: string, source: WorkerSource | undefined): Worker {
  if (source === undefined) return new Worker(new URL('../worker/store.worker.ts', import.meta.url), { type: 'module', name: `pacioli:${name}` });
  if (typeof source === 'function') return source();
  if (typeof source === 'string' || source instanceof URL) return new Worker(source, { type: 'module', name: `pacioli:${name}` });
  return source;
}

export class WorkerLink {
  private readonly api: Remote<WorkerApi>;
  private readonly worker: Worker;
  /** Calls waiting for an answer, to fail at once if the worker dies. (Racing each call against one
   * never-settling promise would leave a reaction on it per call: a leak of ~120 bytes a call.) */
  private readonly pending = new Set<(error: StoreError) => void>();
  private death: StoreError | undefined;
  private readonly alive = new AbortController();
  private stopped = false;

  /** Starts the worker of store `name` (not open yet), from `source` if given (see `LoadOptions.worker`). */
  constructor(
    readonly name: string,
    source?: WorkerSource,
  ) {
    installErrorTransfer();
    this.worker = startWorker(name, source);
    this.api = wrap<WorkerApi>(this.worker);
    const fail = (event: Event) => {
      // An uncaught error leaves the worker running, with its write lock and connections: end it.
      event.preventDefault();
      this.fail(`the store's worker stopped: ${event instanceof ErrorEvent && event.message ? event.message : 'it could not load or crashed'}`);
    };
    this.worker.addEventListener('error', fail);
    this.worker.addEventListener('messageerror', fail);
  }

  /** True once the link ended: every call rejects with `CLOSED`. */
  get closed(): boolean {
    return this.stopped;
  }

  /**
   * A worker that is terminated or crashes fires no event. It holds a Web
   * Lock for as long as it lives; asking for the same lock here, the page is
   * granted it the moment the worker is gone, and every pending call fails
   * with `CLOSED` instead of hanging.
   */
  async watch(): Promise<void> {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    if (!locks) return; // the worker's open() names what is missing
    const name = `pacioli:alive:${typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : Math.random().toString(36).slice(2)}`;
    await this.call((api) => api.holdWhileAlive(name));
    locks.request(name, { signal: this.alive.signal }, () => this.fail(`the store's worker stopped (terminated or crashed)`)).catch(() => undefined);
  }

  /** Calls the worker; settles with its answer or a `StoreError`, never hangs on a dead worker. */
  call<T>(fn: (api: Remote<WorkerApi>) => Promise<T>): Promise<T> {
    if (this.stopped) return Promise.reject(this.death ?? new StoreError('CLOSED', `the store ${this.name} is closed`));
    return new Promise<T>((resolve, reject) => {
      const fail = (error: unknown) => {
        this.pending.delete(fail);
        reject(atBoundary(error));
      };
      this.pending.add(fail);
      let answer: Promise<T>;
      try {
        answer = fn(this.api);
      } catch (error) {
        answer = Promise.reject(error);
      }
      answer.then((value) => {
        this.pending.delete(fail);
        resolve(value);
      }, fail);
    });
  }

  /** The worker failed: pending and later calls reject with `CLOSED`. */
  private fail(reason: string): void {
    if (this.stopped) return;
    this.death = new StoreError('CLOSED', reason);
    for (const fail of [...this.pending]) fail(this.death);
    this.stop();
  }

  /** Ends the link and the worker (idempotent). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const closed = this.death ?? new StoreError('CLOSED', `the store ${this.name} is closed`);
    for (const fail of [...this.pending]) fail(closed); // a terminated worker answers nothing more
    this.alive.abort();
    this.api[releaseProxy]();
    this.worker.terminate();
  }
}

/**
 * Runs one call in a worker of its own, for work on a store that is not open
 * (or cannot be); `fn` gets the wasm URL the options name, if any.
 */
export async function inOwnWorker<T>(name: string, fn: (api: Remote<WorkerApi>, wasmUrl: string | undefined) => Promise<T>, options: LoadOptions = {}): Promise<T> {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) throw new StoreError('INVALID_ARGUMENT', 'the store name must be a string of 1 to 200 characters');
  if (typeof options !== 'object' || options === null) throw new StoreError('INVALID_ARGUMENT', 'options must be an object');
  const wasmUrl = checkLoadOptions(options);
  if (typeof Worker === 'undefined') throw new StoreError('UNSUPPORTED', 'this browser has no Web Workers');
  const link = new WorkerLink(name, options.worker);
  try {
    return await link.call((api) => fn(api, wasmUrl));
  } finally {
    link.stop();
  }
}
