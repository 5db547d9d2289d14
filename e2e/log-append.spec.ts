/**
 * The IndexedDB log's fenced append (idb/log-append.ts), driven in the page
 * against the browser's own IndexedDB: a writer whose view is stale is
 * refused with CONFLICT, and another tab's entry is never overwritten nor
 * taken for its own. Store-level: regressions.spec.ts, "a tab that writes on
 * a stale copy".
 */
import { expect, gotoHarness, test } from './fixtures';

type Modules = typeof import('../src/worker/idb/log-append') & typeof import('../src/worker/idb/strict-store');
type Log = ReturnType<Modules['createStrictStore']>;

/** The append's modules, and two helpers every test here uses. */
interface Kit extends Modules {
  /** Writes what `fill` puts into `log`, as another tab would have. */
  seed(log: Log, fill: (s: IDBObjectStore) => void): Promise<unknown>;
  /** Appends one entry per seq (bytes [1]): 'ok', or the error's code. */
  attempt(log: Log, seqs: number[]): Promise<string>;
}

declare global {
  interface Window {
    appendKit?: () => Promise<Kit>;
  }
}

/** Loads the append's modules into the harness page (served by Vite as they are in the source). */
test.beforeEach(async ({ page }) => {
  await gotoHarness(page);
  await page.evaluate(() => {
    const load = (path: string) => import(/* @vite-ignore */ new URL(path, location.origin).href);
    window.appendKit = async () => {
      const modules = { ...(await load('/src/worker/idb/log-append.ts')), ...(await load('/src/worker/idb/strict-store.ts')) } as Modules;
      return {
        ...modules,
        seed: (log, fill) => log('readwrite', (s) => (fill(s), new Promise((resolve) => (s.transaction.oncomplete = resolve)))),
        attempt: (log, seqs) =>
          modules.appendFenced(log, seqs.map((seq) => ({ seq, bytes: new Uint8Array([1]) })), 'meta').then(
            () => 'ok',
            (error: { code?: string; name?: string }) => error.code ?? error.name ?? 'error',
          ),
      };
    };
  });
});

test("the pointer and the first new key refuse a stale writer with CONFLICT, and leave another tab's entry as it was", async ({ page }) => {
  const outcome = await page.evaluate(async () => {
    const { attempt, createStrictStore, seed } = await window.appendKit!();
    const log = createStrictStore('fenced', 'log', 'strict');
    // Another tab folded at commit 5, then committed 6 (a snapshot commit) and 7.
    await seed(log, (s) => {
      s.put({ format: 1, snapshotSeq: 6, snapshotBytes: 0, snapshotSha256: '' }, 'meta');
      s.add(new Uint8Array([9]), 7);
    });
    const results: Record<string, string> = {};
    for (const seqs of [[5, 6], [7, 8], [7], [8, 9], [8], [9]]) results[seqs.join(',')] = await attempt(log, seqs);
    const read = <T>(fn: (s: IDBObjectStore) => IDBRequest<T>) => log('readonly', (s) => new Promise<T>((resolve) => (fn(s).onsuccess = (e) => resolve((e.target as IDBRequest<T>).result))));
    const keys = await read((s) => s.getAllKeys());
    const seven = Array.from((await read((s) => s.get(7))) as Uint8Array);
    log.close();
    return { results, keys, seven };
  });
  expect(outcome).toEqual({
    results: {
      '5,6': 'CONFLICT', // at or below the pointer's snapshot (and below entry 7)
      '7,8': 'CONFLICT', // over another tab's entry: the whole batch (in Firefox, once "done" with only 8 written)
      '7': 'CONFLICT',
      '8,9': 'ok',
      '8': 'CONFLICT', // taken by the batch before
      '9': 'CONFLICT',
    },
    keys: [7, 8, 9, 'meta'],
    seven: [9],
  });
});

test('with only the pointer, or only entries, each alone refuses what it covers', async ({ page }) => {
  const outcome = await page.evaluate(async () => {
    const { attempt, createStrictStore, seed } = await window.appendKit!();
    const results: Record<string, string> = {};
    // A pointer at commit 6 and no entry (a fold swept them, or a snapshot commit).
    const folded = createStrictStore('pointer-only', 'log', 'strict');
    await seed(folded, (s) => s.put({ format: 1, snapshotSeq: 6, snapshotBytes: 0, snapshotSha256: '' }, 'meta'));
    for (const seq of [5, 6, 7]) results[`pointer 6, append ${seq}`] = await attempt(folded, [seq]);
    // Entries and no pointer yet (a store that never folded).
    const fresh = createStrictStore('entries-only', 'log', 'strict');
    await seed(fresh, (s) => s.add(new Uint8Array([1]), 1));
    for (const seq of [1, 2]) results[`entry 1, append ${seq}`] = await attempt(fresh, [seq]);
    folded.close();
    fresh.close();
    return results;
  });
  expect(outcome).toEqual({
    'pointer 6, append 5': 'CONFLICT',
    'pointer 6, append 6': 'CONFLICT',
    'pointer 6, append 7': 'ok',
    'entry 1, append 1': 'CONFLICT',
    'entry 1, append 2': 'ok',
  });
});
