/**
 * A store that cannot open (its live snapshot is damaged) still keeps its
 * automatic checkpoints: `checkpointsOf` lists them without opening the
 * store, and `restoreCheckpointOf` installs one as a new snapshot commit, so
 * the store opens again with the data as of that checkpoint. A damaged
 * checkpoint is refused with CORRUPT and changes nothing.
 *
 * The layout the tampering relies on is described in e2e/damage.spec.ts;
 * checkpoints are kept in `pacioli:<name>:snapshots` under ['checkpoint', id].
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const V1 = { version: 1, name: 'rows', up: 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)' };
const V2 = { version: 2, name: 'tags', up: 'CREATE TABLE tag (id INTEGER PRIMARY KEY, t TEXT)' };

/**
 * Two rows at schema 1; opening with migration 2 keeps a checkpoint of that state ("before
 * migration"); a third row after it; then a fold, and the live snapshot is truncated.
 */
async function damagedWithCheckpoint(page: Page, name: string): Promise<void> {
  const outcome = await page.evaluate(
    async ({ name, V1, V2 }) => {
      const first = await window.pacioli.openStore({ name, migrations: [V1] });
      await first.run(`INSERT INTO t (v) VALUES ('one')`);
      await first.run(`INSERT INTO t (v) VALUES ('two')`);
      await first.close();
      const store = await window.pacioli.openStore({ name, migrations: [V1, V2] });
      await store.run(`INSERT INTO t (v) VALUES ('three')`);
      await store.compact();
      const checkpoints = await store.checkpoints();
      await store.close();
      const meta = (await window.e2e.idb.get(`pacioli:${name}`, 'log', 'meta')) as { snapshotKey: IDBValidKey };
      const image = (await window.e2e.idb.get(`pacioli:${name}:snapshots`, 'snapshots', meta.snapshotKey)) as Uint8Array;
      await window.e2e.idb.put(`pacioli:${name}:snapshots`, 'snapshots', meta.snapshotKey, image.slice(0, image.length >> 1));
      return { checkpoints: checkpoints.length, reopen: await window.e2e.settle(window.pacioli.openStore({ name, migrations: [V1, V2] })) };
    },
    { name, V1, V2 },
  );
  expect(outcome.checkpoints).toBe(1);
  expect(outcome.reopen).toMatchObject({ ok: false, error: { code: 'CORRUPT' } });
}

test('a store whose snapshot is damaged lists its checkpoints and opens again from one, with the data as of it', async ({ harness }) => {
  await damagedWithCheckpoint(harness, 'cp');
  const listed = await harness.evaluate(() => window.pacioli.checkpointsOf('cp'));
  expect(listed).toHaveLength(1);
  const [kept] = listed;
  expect(kept).toMatchObject({ reason: expect.stringMatching(/migrat/i), schemaVersion: 1, intact: true });
  expect(kept!.bytes).toBeGreaterThan(0);
  expect(Number.isNaN(Date.parse(kept!.createdAt))).toBe(false);
  expect(kept!.seq).toBeGreaterThan(0);

  const after = await harness.evaluate(
    async ({ id, V1, V2 }) => {
      const restored = await window.pacioli.restoreCheckpointOf('cp', id);
      const store = await window.pacioli.openStore({ name: 'cp', migrations: [V1, V2] });
      const rows = await store.query<{ v: string }>('SELECT v FROM t ORDER BY id');
      const version = await store.schemaVersion();
      await store.run(`INSERT INTO t (v) VALUES ('four')`); // it takes commits again
      await store.close();
      const again = await window.pacioli.openStore({ name: 'cp', migrations: [V1, V2] });
      const reread = await again.query<{ v: string }>('SELECT v FROM t ORDER BY id');
      await again.close();
      return { restored, rows: rows.map((r) => r.v), version, reread: reread.map((r) => r.v) };
    },
    { id: kept!.id, V1, V2 },
  );
  expect(after.restored).toMatchObject({ id: kept!.id, schemaVersion: 1 });
  expect(after.rows).toEqual(['one', 'two']); // 'three' came after the checkpoint
  expect(after.version).toBe(2); // the checkpoint's schema 1, migrated forward on open
  expect(after.reread).toEqual(['one', 'two', 'four']);
});

test('a damaged checkpoint is refused with CORRUPT and changes nothing; an unknown one is NOT_FOUND', async ({ harness }) => {
  await damagedWithCheckpoint(harness, 'cpbad');
  const outcome = await harness.evaluate(
    async ({ V1, V2 }) => {
      const [kept] = await window.pacioli.checkpointsOf('cpbad');
      const key = ['checkpoint', kept!.id];
      const row = (await window.e2e.idb.get('pacioli:cpbad:snapshots', 'snapshots', key)) as { image: Uint8Array };
      const image = new Uint8Array(row.image);
      image[image.length >> 1]! ^= 0x40;
      await window.e2e.idb.put('pacioli:cpbad:snapshots', 'snapshots', key, { ...row, image });
      const metaBefore = await window.e2e.idb.get('pacioli:cpbad', 'log', 'meta');
      return {
        listed: await window.pacioli.checkpointsOf('cpbad'),
        refused: await window.e2e.settle(window.pacioli.restoreCheckpointOf('cpbad', kept!.id)),
        unknown: await window.e2e.settle(window.pacioli.restoreCheckpointOf('cpbad', 'no-such-checkpoint')),
        metaUnchanged: JSON.stringify(await window.e2e.idb.get('pacioli:cpbad', 'log', 'meta')) === JSON.stringify(metaBefore),
        reopen: await window.e2e.settle(window.pacioli.openStore({ name: 'cpbad', migrations: [V1, V2] })),
      };
    },
    { V1, V2 },
  );
  expect(outcome.listed).toHaveLength(1);
  expect(outcome.listed[0]).toMatchObject({ intact: false });
  expect(outcome.refused).toMatchObject({ ok: false, error: { name: 'StoreError', code: 'CORRUPT' } });
  if (!outcome.refused.ok) expect(outcome.refused.error.message).toMatch(/checkpoint .* is damaged/);
  expect(outcome.unknown).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  expect(outcome.metaUnchanged).toBe(true);
  expect(outcome.reopen).toMatchObject({ ok: false, error: { code: 'CORRUPT' } }); // still the damaged store, untouched
});

test('restoring a checkpoint waits for the write lock another worker holds, and a store open meanwhile sees the restored state', async ({ harness }) => {
  await harness.evaluate(async ({ V1, V2 }) => {
    const first = await window.pacioli.openStore({ name: 'cplock', migrations: [V1] });
    await first.run(`INSERT INTO t (v) VALUES ('one')`);
    await first.close();
    const store = (window.stores.cplock = await window.pacioli.openStore({ name: 'cplock', migrations: [V1, V2] }));
    await store.run(`INSERT INTO t (v) VALUES ('two')`);
  }, { V1, V2 });
  // The open store sits in a transaction: its worker holds the write lock meanwhile; the restore runs in a worker of its own.
  const order = await harness.evaluate(async () => {
    const store = window.stores.cplock!;
    const events: string[] = [];
    let letGo!: () => void;
    const held = new Promise<void>((resolve) => (letGo = resolve));
    const tx = store.transaction(async (t) => {
      await t.run(`INSERT INTO t (v) VALUES ('in tx')`);
      events.push('tx holds the lock');
      await held;
    });
    await window.e2e.sleep(50);
    const [kept] = await window.pacioli.checkpointsOf('cplock');
    const restore = window.pacioli.restoreCheckpointOf('cplock', kept!.id).then(() => events.push('restored'));
    await window.e2e.sleep(300);
    events.push('tx commits');
    letGo();
    await tx;
    await restore;
    await window.e2e.sleep(50);
    const rows = await store.transaction((t) => t.query<{ v: string }>('SELECT v FROM t ORDER BY id'));
    return { events, rows: rows.map((r) => r.v) };
  });
  expect(order.events).toEqual(['tx holds the lock', 'tx commits', 'restored']);
  expect(order.rows).toEqual(['one']);
});
