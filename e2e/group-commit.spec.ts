/**
 * Group commit: concurrent writes of one tab share IndexedDB transactions,
 * each caller hears "done" only once its own change is durable, a failed
 * batch fails every write in it and every write that ran on top of it, and
 * no read ever returns a change that did not become durable.
 */
import { expect, gotoHarness, test } from './fixtures';
import { failedBatchRound } from './failed-batch';
import { injectIntoWorkers, switchWorkers } from './worker-faults';

test('10 callers × 30 writes in one tab share IndexedDB transactions and all survive a reload', async ({ db }) => {
  await db.open('group');
  await db.run('group', 'CREATE TABLE t (caller INTEGER NOT NULL, i INTEGER NOT NULL, PRIMARY KEY (caller, i))');
  const before = await db.stats('group');
  await db.page.evaluate(async () => {
    const store = window.stores.group!;
    await Promise.all(
      Array.from({ length: 10 }, async (_, caller) => {
        for (let i = 0; i < 30; i++) await store.run('INSERT INTO t VALUES (?, ?)', [caller, i]);
      }),
    );
  });
  const after = await db.stats('group');
  expect(after.logCommits - before.logCommits).toBe(300);
  expect(after.logWrites - before.logWrites).toBeLessThan(300); // several commits per IndexedDB transaction
  await db.reload();
  await db.open('group');
  expect(await db.query('group', 'SELECT count(*) AS n, count(DISTINCT caller) AS callers FROM t')).toEqual([{ n: 300, callers: 10 }]);
});

test('a failed batch fails its writes and those on top of it; reads never see them; the store writes again', async ({ page }) => {
  // While the fault is on, every IndexedDB add to the log fails (an I/O error, as a full disk would give).
  await injectIntoWorkers(
    page,
    () => {
      let on = false;
      const channel = new BroadcastChannel('e2e-faults');
      channel.onmessage = (event: MessageEvent<{ fail?: boolean; ackId: string }>) => {
        on = event.data.fail === true;
        channel.postMessage({ ack: event.data.ackId });
      };
      const add = IDBObjectStore.prototype.add;
      IDBObjectStore.prototype.add = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
        if (on && this.name === 'log') throw new DOMException('injected: disk I/O error', 'UnknownError');
        return add.call(this, value, key);
      };
    },
    null,
  );
  await failedBatchRound(page, 'g');
});

test('when a later batch fails, the writes of the batch before it stay durable and acknowledged', async ({ page }) => {
  // Fail the second IndexedDB transaction that appends to the log after the switch, and only that one.
  await injectIntoWorkers(
    page,
    () => {
      let armed = -1;
      const channel = new BroadcastChannel('e2e-faults');
      channel.onmessage = (event: MessageEvent<{ failNth?: number; ackId: string }>) => {
        armed = event.data.failNth ?? -1;
        channel.postMessage({ ack: event.data.ackId });
      };
      const add = IDBObjectStore.prototype.add;
      let lastTx: IDBTransaction | undefined;
      IDBObjectStore.prototype.add = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
        if (this.name === 'log' && armed > 0 && this.transaction !== lastTx) {
          lastTx = this.transaction;
          armed--;
          if (armed === 0) throw new DOMException('injected: disk I/O error', 'UnknownError');
        }
        return add.call(this, value, key);
      };
    },
    null,
  );
  await gotoHarness(page);
  await page.evaluate(async () => {
    const store = (window.stores.h = await window.pacioli.openStore({ name: 'h' }));
    await store.run('CREATE TABLE t (v INTEGER NOT NULL)');
    await store.run('INSERT INTO t VALUES (0)');
  });
  await switchWorkers(page, { failNth: 2 });
  const writes = await page.evaluate(async () => {
    const store = window.stores.h!;
    return Promise.all(Array.from({ length: 10 }, (_, i) => window.e2e.settle(store.run('INSERT INTO t VALUES (?)', [i + 1]))));
  });
  const acknowledged = writes.flatMap((w, i) => (w.ok ? [i + 1] : []));
  const refused = writes.flatMap((w, i) => (w.ok ? [] : [i + 1]));
  expect(acknowledged[0]).toBe(1); // the first batch
  expect(refused.length).toBeGreaterThan(0); // the failed one, and everything on top of it
  for (const w of writes) if (!w.ok) expect(w.error).toMatchObject({ code: 'PERSIST_FAILED', isStoreError: true });
  // One batch failed: the refused writes are that batch and those that ran on top of it, one unbroken run.
  // (Writes that only started once memory was back at the durable state may succeed after it.)
  expect(refused).toEqual(Array.from({ length: refused.length }, (_, i) => refused[0]! + i));
  await page.reload();
  await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
  const rows = await page.evaluate(async () => (await window.pacioli.openStore({ name: 'h' })).query<{ v: number }>('SELECT v FROM t ORDER BY v'));
  expect(rows.map((r) => r.v)).toEqual([0, ...acknowledged]);
});

test('a batch is announced in one message, and each commit in it names its own entry: never a later commit still in flight', async ({ db }) => {
  await db.open('heralds');
  await db.run('heralds', 'CREATE TABLE t (caller INTEGER NOT NULL, i INTEGER NOT NULL)');
  const wrong = await db.page.evaluate(async () => {
    // Listens as another tab would: every announcement's entry must say it is the commit announced.
    const channel = new BroadcastChannel('pacioli:heralds');
    const mismatches: string[] = [];
    let heard = 0;
    let together = 0; // messages that announced more than one commit
    type Note = { seq?: number; entry?: Uint8Array };
    channel.onmessage = (event: MessageEvent<Note & { type?: string; list?: Note[] }>) => {
      const { type, list } = event.data ?? {};
      const notes = type === 'commit' ? [event.data] : type === 'commits' ? (list ?? []) : [];
      if (notes.length > 1) together++;
      for (const note of notes) check(note);
    };
    const check = ({ seq, entry }: Note) => {
      if (!(entry instanceof Uint8Array)) return;
      heard++;
      let at = 4; // after the "PCL1" magic: the entry's own commit number, a LEB128 varint
      let own = 0;
      for (let scale = 1; ; scale *= 0x80) {
        const byte = entry[at++]!;
        own += (byte & 0x7f) * scale;
        if (byte < 0x80) break;
      }
      if (own !== seq) mismatches.push(`announced ${seq} with entry ${own}`);
    };
    const store = window.stores.heralds!;
    await Promise.all(
      Array.from({ length: 10 }, async (_, caller) => {
        for (let i = 0; i < 20; i++) await store.run('INSERT INTO t VALUES (?, ?)', [caller, i]);
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    channel.close();
    return { heard, mismatches, together };
  });
  expect(wrong.heard).toBeGreaterThanOrEqual(200);
  expect(wrong.together).toBeGreaterThan(0);
  expect(wrong.mismatches).toEqual([]);
});

test("a lone write's append fence is sent before its SQL runs, also as a lease's first write; the writes are durable all the same", async ({ page }) => {
  // The worker records when the log's fence look (getKey of the new entry) and its add are sent, per key.
  await injectIntoWorkers(
    page,
    () => {
      const sent: Record<string, { look?: number; add?: number }> = {};
      const channel = new BroadcastChannel('e2e-faults');
      channel.onmessage = (event: MessageEvent<{ report?: boolean }>) => {
        if (event.data.report) channel.postMessage({ sent });
      };
      const getKey = IDBObjectStore.prototype.getKey;
      IDBObjectStore.prototype.getKey = function (this: IDBObjectStore, query: IDBValidKey | IDBKeyRange) {
        if (this.name === 'log' && typeof query === 'number') (sent[query] ??= {}).look ??= performance.now();
        return getKey.call(this, query);
      };
      const add = IDBObjectStore.prototype.add;
      IDBObjectStore.prototype.add = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
        if (this.name === 'log' && typeof key === 'number') (sent[key] ??= {}).add ??= performance.now();
        return add.call(this, value, key);
      };
    },
    null,
  );
  await gotoHarness(page);
  const { seq, alone } = await page.evaluate(async () => {
    const store = (window.stores.lone = await window.pacioli.openStore({ name: 'lone' }));
    await store.run('CREATE TABLE t (v INTEGER NOT NULL)');
    // The lease's first write goes alone; right after it (the lease kept, the copy current) a write may go early.
    await store.run('INSERT INTO t VALUES (0)');
    // One row, after SQLite counts to a million: a write whose SQL takes 50 ms or more.
    const slow = 'INSERT INTO t SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) SELECT x FROM c)';
    await store.run(slow);
    const seq = (await store.stats()).seq;
    // Idle for longer than the lease is kept (100 ms): the next write takes the lock anew and goes alone.
    await new Promise((resolve) => setTimeout(resolve, 400));
    await store.run(slow);
    return { seq, alone: (await store.stats()).seq };
  });
  const sent = await page.evaluate(
    () =>
      new Promise<Record<string, { look?: number; add?: number }>>((resolve) => {
        const channel = new BroadcastChannel('e2e-faults');
        channel.onmessage = (event: MessageEvent<{ sent?: Record<string, { look?: number; add?: number }> }>) => {
          if (event.data.sent) (channel.close(), resolve(event.data.sent));
        };
        channel.postMessage({ report: true });
      }),
  );
  for (const n of [seq, alone]) {
    const { look, add } = sent[n]!;
    expect(look).toBeDefined();
    expect(add).toBeDefined();
    // Sent before the SQL ran, the look precedes the add by the SQL's time; sent with the adds, by a fraction of a millisecond.
    expect(add! - look!, `commit ${n}`).toBeGreaterThan(20);
  }
  await page.reload();
  await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
  const rows = await page.evaluate(async () => (await window.pacioli.openStore({ name: 'lone' })).query<{ v: number }>('SELECT v FROM t ORDER BY v'));
  expect(rows.map((r) => r.v)).toEqual([0, 1000000, 1000000]);
});
