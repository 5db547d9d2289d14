/**
 * A store with `log: 'opfs'` keeps its commits in OPFS and its snapshot in
 * IndexedDB. When the browser loses the origin's OPFS while IndexedDB stays
 * (Chromium clears the whole file system of an origin whose directory
 * database it finds damaged at start-up), the store must not open as if
 * its last snapshot were all there is: it fails with STORAGE_LOST, naming
 * what is left, and `recoverStore` opens it at that commit.
 */
import { expect, reloadHarness, test } from './fixtures';

declare global {
  interface Window {
    ledger?: import('../src/index').Ledger;
  }
}

test('a ledger whose OPFS log the browser lost fails with STORAGE_LOST, and recoverStore opens it at its last snapshot', async ({ harness }) => {
  const before = await harness.evaluate(async () => {
    const ledger = (window.ledger = await window.pacioli.openLedger({ name: 'log-lost', log: 'opfs' }));
    await ledger.createPlayer('ada', 1000n);
    await ledger.createPlayer('bob', 1000n);
    for (let i = 0; i < 5; i++) await ledger.transfer('ada', 'bob', 10n);
    await ledger.store.compact();
    const folded = (await ledger.store.stats()).seq;
    await ledger.transfer('ada', 'bob', 1n); // only in the OPFS log
    await ledger.store.close();
    // What Chromium does to an origin whose file system directory database is damaged: it clears all of it.
    const root = await navigator.storage.getDirectory();
    for (const name of ['pacioli-log', 'pacioli']) await root.removeEntry(name, { recursive: true }).catch(() => undefined);
    return { folded };
  });

  const refused = await harness.evaluate(() => window.e2e.settle(window.pacioli.openLedger({ name: 'log-lost' })));
  expect(refused).toMatchObject({ ok: false, error: { code: 'STORAGE_LOST', isStoreError: true } });
  if (!refused.ok) expect(refused.error.message).toContain(`commit ${before.folded}`);
  // A tab that asks for the OPFS log is refused too: it must not start a new log over the gap.
  const asking = await harness.evaluate(() => window.e2e.settle(window.pacioli.openLedger({ name: 'log-lost', log: 'opfs' })));
  expect(asking).toMatchObject({ ok: false, error: { code: 'STORAGE_LOST' } });

  const recovered = await harness.evaluate(async () => {
    const copy = await window.pacioli.recoverStore('log-lost');
    const ledger = await window.pacioli.openLedger({ name: 'log-lost', log: 'opfs' });
    const balances = [await ledger.getBalance('ada'), await ledger.getBalance('bob')];
    await ledger.transfer('bob', 'ada', 7n); // the store goes on, its log in OPFS again
    await ledger.store.close();
    return { copy, balances };
  });
  expect(recovered.copy.seq).toBe(before.folded);
  expect(recovered.balances).toEqual([950n, 1050n]); // the transfer after the snapshot is the one lost

  await reloadHarness(harness);
  const after = await harness.evaluate(async () => {
    const ledger = await window.pacioli.openLedger({ name: 'log-lost' });
    return { balances: [await ledger.getBalance('ada'), await ledger.getBalance('bob')], audit: await ledger.audit(), again: await window.e2e.settle(window.pacioli.recoverStore('log-lost')) };
  });
  expect(after.balances).toEqual([957n, 1043n]);
  expect(after.audit).toEqual({ ok: true, problems: [], totalSupply: 2000n });
  // A store that opens is never "recovered" again.
  expect(after.again).toMatchObject({ ok: false });
});

test('when IndexedDB kept less than the recovery copy holds, recoverStore brings back the copy', async ({ harness }) => {
  const before = await harness.evaluate(async () => {
    const pointer = () =>
      new Promise<unknown>((resolve, reject) => {
        const open = indexedDB.open('pacioli:both-lost');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction('log').objectStore('log').get('meta');
          get.onsuccess = () => (open.result.close(), resolve(get.result));
        };
      });
    const ledger = await window.pacioli.openLedger({ name: 'both-lost', log: 'opfs' });
    await ledger.createPlayer('ada', 1000n);
    await ledger.createPlayer('bob', 1000n);
    await ledger.store.compact();
    const old = await pointer(); // put back below, as if IndexedDB had lost the snapshots after it
    for (let i = 0; i < 5; i++) await ledger.transfer('ada', 'bob', 10n);
    await ledger.store.compact();
    const folded = (await ledger.store.stats()).seq;
    await ledger.transfer('ada', 'bob', 1n);
    await ledger.store.close();
    return { folded, old };
  });
  await expect.poll(() => harness.evaluate(async () => (await window.pacioli.recoveryCopy('both-lost'))?.seq ?? 0)).toBe(before.folded);
  await harness.evaluate(async (old) => {
    const root = await navigator.storage.getDirectory();
    await root.removeEntry('pacioli-log', { recursive: true });
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('pacioli:both-lost');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const tx = db.transaction('log', 'readwrite');
    tx.objectStore('log').put(old, 'meta');
    await new Promise((resolve) => (tx.oncomplete = resolve));
    db.close();
  }, before.old);

  const outcome = await harness.evaluate(async () => {
    const refused = await window.e2e.settle(window.pacioli.openLedger({ name: 'both-lost' }));
    const offered = await window.pacioli.recoveryCopy('both-lost');
    const copy = await window.pacioli.recoverStore('both-lost');
    const ledger = await window.pacioli.openLedger({ name: 'both-lost' });
    return { refused, offered, copy, balances: [await ledger.getBalance('ada'), await ledger.getBalance('bob')], audit: await ledger.audit() };
  });
  expect(outcome.refused).toMatchObject({ ok: false, error: { code: 'STORAGE_LOST' } });
  expect(outcome.offered?.seq).toBe(before.folded);
  expect(outcome.copy.seq).toBe(before.folded);
  expect(outcome.balances).toEqual([950n, 1050n]);
  expect(outcome.audit).toEqual({ ok: true, problems: [], totalSupply: 2000n });
});
