// What every consumer app runs against the installed package: open, write, (reload,) read back.
import { openStore, StoreError } from 'pacioli';

/**
 * ?step=write&name=…&body=…: writes a row; ?step=read&name=…: only reads. ?step=bump&k=…: counts up k.
 * `load`: where the worker and the wasm are, for an app whose bundler cannot say (esbuild).
 */
export default async function check(params, load = {}) {
  const store = await openStore({ name: params.get('name'), ...load });
  try {
    const step = params.get('step');
    if (step === 'bump') {
      await store.run('CREATE TABLE IF NOT EXISTS counter(k TEXT PRIMARY KEY, n INTEGER NOT NULL)');
      await store.run('INSERT INTO counter VALUES (?, 1) ON CONFLICT(k) DO UPDATE SET n = n + 1', [params.get('k')]);
      return { bumped: true };
    }
    if (step === 'write') {
      await store.run('CREATE TABLE IF NOT EXISTS note(id INTEGER PRIMARY KEY, body TEXT NOT NULL, big INTEGER NOT NULL)');
      await store.run('INSERT INTO note(body, big) VALUES (?, ?)', [params.get('body'), 2n ** 62n + 1n]);
    }
    const rows = await store.query('SELECT body, big FROM note ORDER BY id');
    let typedError = false;
    try {
      await store.query('SELECT * FROM no_such_table');
    } catch (error) {
      typedError = error instanceof StoreError && error.code === 'SQL_ERROR';
    }
    return { rows: rows.map((r) => ({ body: r.body, big: typeof r.big === 'bigint' ? `${r.big}n` : r.big })), typedError, isolated: globalThis.crossOriginIsolated === true };
  } finally {
    await store.close();
  }
}
