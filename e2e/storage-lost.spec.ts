/**
 * The browser throws away an origin's IndexedDB (Chromium does, now and
 * then, after a browser kill) while the Origin Private File System stays.
 * The store must never pass that off as a new, empty store: it fails the
 * open with STORAGE_LOST, and offers the recovery copy it keeps in OPFS,
 * which loses at most the commits since the last fold.
 */
import type { Page } from '@playwright/test';
import { expect, gotoHarness, test } from './fixtures';
import { injectIntoWorkers } from './worker-faults';

declare global {
  interface Window {
    ledger?: import('../src/index').Ledger;
  }
}

test('a store whose IndexedDB vanished fails with STORAGE_LOST, and its recovery copy brings back the last fold', async ({ harness }) => {
  const supported = await harness.evaluate(async () => {
    try {
      await navigator.storage.getDirectory();
      return true;
    } catch {
      return false;
    }
  });
  test.skip(!supported, 'this browser context offers no Origin Private File System');

  const before = await harness.evaluate(async () => {
    const ledger = (window.ledger = await window.pacioli.openLedger({ name: 'lost' }));
    await ledger.createPlayer('ada', 1000n);
    await ledger.createPlayer('bob', 1000n);
    for (let i = 0; i < 5; i++) await ledger.transfer('ada', 'bob', 10n);
    await ledger.store.compact(); // the fold's image is copied to OPFS in the background
    const folded = (await ledger.store.stats()).seq;
    await ledger.transfer('ada', 'bob', 1n); // after the fold: not in the copy
    return { folded, balances: [await ledger.getBalance('ada'), await ledger.getBalance('bob')] };
  });
  expect(before.balances).toEqual([949n, 1051n]);
  await expect.poll(() => harness.evaluate(async () => (await window.pacioli.recoveryCopy('lost'))?.seq ?? 0)).toBe(before.folded);
  await harness.evaluate(async () => {
    await window.ledger!.store.close();
    // What the browser did: the origin's IndexedDB is gone, the rest of its storage is not.
    for (const name of ['pacioli:lost', 'pacioli:lost:snapshots']) {
      await new Promise<void>((resolve, reject) => {
        const request = indexedDB.deleteDatabase(name);
        request.onsuccess = () => resolve();
        request.onerror = () => reject(request.error);
      });
    }
  });

  const refused = await harness.evaluate(() => window.e2e.settle(window.pacioli.openLedger({ name: 'lost' })));
  expect(refused).toMatchObject({ ok: false, error: { code: 'STORAGE_LOST', isStoreError: true } });
  if (!refused.ok) expect(refused.error.message).toMatch(/recovery copy of commit \d+/);

  const recovered = await harness.evaluate(async () => {
    const copy = await window.pacioli.recoverStore('lost');
    const ledger = await window.pacioli.openLedger({ name: 'lost' });
    return { copy, balances: [await ledger.getBalance('ada'), await ledger.getBalance('bob')], audit: await ledger.audit(), again: await window.e2e.settle(window.pacioli.recoverStore('lost')) };
  });
  expect(recovered.copy.seq).toBe(before.folded);
  expect(recovered.balances).toEqual([950n, 1050n]); // the transfer after the fold is the one lost
  expect(recovered.audit).toEqual({ ok: true, problems: [], totalSupply: 2000n });
  // A store that holds data is never overwritten by its recovery copy.
  expect(recovered.again).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
});

/** Worker prelude: every OPFS file write starts `ms` late, as on a disk busy with other work. */
function slowOpfsWrites(ms: number): void {
  const proto = (self as unknown as { FileSystemFileHandle?: { prototype: { createWritable?: (...a: unknown[]) => Promise<unknown> } } }).FileSystemFileHandle?.prototype;
  const native = proto?.createWritable;
  if (!proto || !native) return;
  proto.createWritable = async function (this: unknown, ...args: unknown[]) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return native.apply(this, args);
  };
}

async function hasOpfs(page: Page): Promise<boolean> {
  return page.evaluate(async () => {
    try {
      await navigator.storage.getDirectory();
      return true;
    } catch {
      return false;
    }
  });
}

test('a ledger whose IndexedDB vanishes right after it was created fails with STORAGE_LOST in the next tab, however slow OPFS is', async ({ harness }) => {
  test.skip(!(await hasOpfs(harness)), 'this browser context offers no Origin Private File System');
  // The record that the store exists is written to OPFS; here each write waits 2 s first.
  await injectIntoWorkers(harness, slowOpfsWrites, 2_000);
  await gotoHarness(harness);
  const made = await harness.evaluate(async () => {
    const ledger = (window.ledger = await window.pacioli.openLedger({ name: 'young' }));
    await ledger.createPlayer('ada', 1000n);
    const seq = (await ledger.store.stats()).seq;
    // Lost at once, the store still open: the open connections let go of the databases, as on a wipe.
    for (const name of ['pacioli:young', 'pacioli:young:snapshots']) {
      await new Promise<void>((resolve, reject) => {
        const request = indexedDB.deleteDatabase(name);
        request.onsuccess = () => resolve();
        request.onerror = () => reject(request.error);
      });
    }
    return seq;
  });
  expect(made).toBeGreaterThan(0);
  const other = await harness.context().newPage();
  await gotoHarness(other);
  const opened = await other.evaluate(() => window.e2e.settle(window.pacioli.openLedger({ name: 'young' })));
  expect(opened).toMatchObject({ ok: false, error: { code: 'STORAGE_LOST', isStoreError: true } });
});

test('deleteStore removes a store everywhere: it then opens new and empty, not as lost', async ({ harness }) => {
  const outcome = await harness.evaluate(async () => {
    const store = await window.pacioli.openStore({ name: 'gone' });
    await store.run('CREATE TABLE t (v TEXT); INSERT INTO t VALUES (1)');
    await store.close();
    await window.pacioli.deleteStore('gone');
    const again = await window.pacioli.openStore({ name: 'gone' });
    return { tables: await again.query(`SELECT name FROM sqlite_schema WHERE name = 't'`), copy: await window.pacioli.recoveryCopy('gone') };
  });
  expect(outcome).toEqual({ tables: [], copy: undefined });
});
