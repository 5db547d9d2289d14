/**
 * Warming sql.js up while a cold open waits for IndexedDB.
 *
 * Chromium compiles WebAssembly lazily: each SQLite function is compiled the
 * first time it runs. The compiled code belongs to the module, not to a
 * database, so opening a throwaway database and reading from it while the
 * stored state is still on its way takes part of that cost off the open's
 * path (the open of the image and the first query use the same paths).
 * Firefox compiles the whole module up front; there this costs the few
 * milliseconds of running the statements.
 *
 * Only that one step. A fuller life on throwaway databases (a schema, a
 * captured commit, an export, an image opened and a log entry replayed) was
 * meant to run here, but it had failed at its first statement from the
 * start (a write outside a store transaction) without a word. Once it ran,
 * it took 30-85 ms of a cold open in Chromium (2-core machine, 1 and 10 MB)
 * and the image's open after it was no faster (5-8 ms either way): its
 * compile is work the open never needs, on the thread the open waits for.
 *
 * It waits a task first: the page's read is often already queued for
 * this worker when the wasm arrives, and an open that has it does not warm
 * up at all.
 */
import { nextTask } from '../../shared/next-task';
import { quietly } from '../../shared/stages';
import { Engine } from './engine';
import type { SqlJs } from './sqljs';

/**
 * Opens and reads a throwaway database if `waiting()` still holds. Never
 * throws: a failure only means the real open pays the compile. Resolves to
 * true when the step ran through, false when it did not run or failed.
 */
export async function warmUp(sql: SqlJs, waiting: () => boolean): Promise<boolean> {
  await nextTask();
  if (!waiting()) return false;
  let engine: Engine | undefined;
  try {
    // Not work the bench's stage marks should see.
    quietly(() => {
      engine = new Engine(sql);
      engine.query('SELECT type, name FROM sqlite_schema WHERE name = ?', ['warm']);
    });
    return true;
  } catch {
    return false; // warming is an optimisation only
  } finally {
    engine?.close();
  }
}
