/**
 * Warming sql.js up while a cold open waits for IndexedDB.
 *
 * Chromium compiles WebAssembly lazily: each SQLite function is compiled the
 * first time it runs. A cold open paid for that on its path: opening the
 * first image, reading the schema, preparing the capture's statements, the
 * migration check and the first query took 40-60 ms in Chromium on the
 * 2-core machine, and 10-15 ms once the code was compiled (measured: the
 * same open, pragmas and statements took 33-38 ms the first time and 3-6 ms
 * the second). The compiled code belongs to the module, not to a database,
 * so running the same paths on a throwaway database while the read is
 * still under way takes that cost off the open's path. Firefox compiles
 * the whole module up front; there this costs the few milliseconds of
 * running the statements.
 *
 * It runs in steps, each a new task: the read is several IndexedDB
 * requests one after another, and each needs this thread to go on.
 */
import { nextTask } from '../../shared/next-task';
import { quietly } from '../../shared/stages';
import { Engine } from './engine';
import type { SqlJs } from './sqljs';

// A little of everything a store's open runs: a schema with the clauses stores use (STRICT,
// CHECK, REFERENCES, indexes, a trigger), a captured transaction, an image opened, a log replayed.
const SCHEMA = `
  CREATE TABLE warm_a (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE CHECK (length(name) > 0), n INTEGER NOT NULL DEFAULT 0, r REAL, b BLOB) STRICT;
  CREATE TABLE warm_b (id INTEGER PRIMARY KEY, a INTEGER NOT NULL REFERENCES warm_a (id), amount INTEGER NOT NULL CHECK (amount <> 0)) STRICT;
  CREATE INDEX warm_b_by_a ON warm_b (a, id);
  CREATE TRIGGER warm_t AFTER INSERT ON warm_b BEGIN UPDATE warm_a SET n = n + NEW.amount WHERE id = NEW.a; END;`;

/**
 * Runs a small store's life on throwaway databases while `waiting()` holds:
 * create, commit with capture, export, open the image, replay the commit,
 * query. Never throws: a failure only means the real open pays the compile.
 */
export async function warmUp(sql: SqlJs, waiting: () => boolean): Promise<void> {
  let first: Engine | undefined;
  let second: Engine | undefined;
  let entry: Uint8Array | undefined;
  let image: Uint8Array | undefined;
  const steps: (() => void)[] = [
    () => {
      first = new Engine(sql);
      first.query(SCHEMA);
      image = first.export();
    },
    () => {
      const e = first!;
      e.begin();
      e.run(`INSERT INTO warm_a (id, name, r, b) VALUES (1, 'one', 0.5, x'00'), (2, 'two', NULL, NULL)`);
      e.run('INSERT INTO warm_b (a, amount) VALUES (?, ?), (?, ?)', [1, 5, 2, -5]);
      e.run('UPDATE warm_a SET r = r + 1 WHERE id = ?', [1]);
      e.run('DELETE FROM warm_a WHERE id = 2 AND NOT EXISTS (SELECT 1 FROM warm_b WHERE a = 2)');
      const pending = e.pending(1);
      e.commit();
      if (pending.kind === 'log') entry = pending.entry;
    },
    () => {
      second = new Engine(sql, image);
      if (entry) second.replay([{ seq: 1, bytes: entry }]);
    },
    () => {
      second!.query('SELECT a, sum(amount) AS total FROM warm_b WHERE a = ? GROUP BY a ORDER BY a', [1]);
      second!.query('SELECT id, name, n FROM warm_a ORDER BY id DESC LIMIT 5');
    },
  ];
  try {
    for (const step of steps) {
      if (!waiting()) return;
      quietly(step); // its commit is not one the bench's stage marks should see
      await nextTask();
    }
  } catch {
    // nothing: warming is an optimisation only
  } finally {
    first?.close();
    second?.close();
  }
}
