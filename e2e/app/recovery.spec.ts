/** A ledger that fails to open shows the recovery page with the store's reason, never an empty ledger. */
import AxeBuilder from '@axe-core/playwright';
import { addPlayer, expect, openApp, test } from './app-fixtures';

test('a damaged log entry opens the recovery page, not an empty ledger', async ({ page }) => {
  await openApp(page);
  await addPlayer(page, 'hal', '64');
  // Flip one byte of the newest log entry, as e2e/damage.spec.ts does (layout: see that file).
  const flipped = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('pacioli:bitcraps');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const request = <T,>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = () => reject(r.error))));
    const log = () => db.transaction('log', 'readwrite').objectStore('log');
    const meta = (await request(log().get('meta'))) as { snapshotSeq?: number };
    const keys = (await request(log().getAllKeys())).filter((k): k is number => typeof k === 'number' && k > (meta.snapshotSeq ?? 0));
    const newest = Math.max(...keys);
    const entry = new Uint8Array((await request(log().get(newest))) as Uint8Array);
    entry[entry.length >> 1]! ^= 0x40;
    await request(log().put(entry, newest));
    db.close();
    return newest;
  });
  expect(flipped).toBeGreaterThan(0);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'The saved ledger is damaged' })).toBeVisible();
  await expect(page.getByText(/^CORRUPT: /)).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Sections' })).toHaveCount(0);
  await expect(page.getByRole('table', { name: 'Balances' })).toHaveCount(0);
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
});
