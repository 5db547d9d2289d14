/** The demo page: opens a store, writes through it, and shows what is durable. */
import { openStore, type Store } from '../index';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function render(store: Store): Promise<void> {
  const rows = await store.query<{ id: number; memo: string; amount: number | bigint; at: string }>(
    'SELECT id, memo, amount, at FROM entries ORDER BY id DESC LIMIT 50',
  );
  $('rows').replaceChildren(
    ...rows.map((r) => {
      const tr = document.createElement('tr');
      for (const v of [r.id, r.memo, r.amount, r.at]) tr.appendChild(document.createElement('td')).textContent = String(v);
      return tr;
    }),
  );
  const [{ total }] = await store.query<{ total: number | bigint }>('SELECT coalesce(sum(amount), 0) AS total FROM entries');
  $('total').textContent = String(total);
  $('stats').textContent = JSON.stringify(await store.stats(), null, 2);
}

async function main(): Promise<void> {
  const status = $('status');
  try {
    const store = await openStore({ name: 'demo' });
    await store.run(`CREATE TABLE IF NOT EXISTS entries(
      id INTEGER PRIMARY KEY, memo TEXT NOT NULL, amount INTEGER NOT NULL, at TEXT NOT NULL DEFAULT (datetime('now'))) STRICT`);
    $('add').addEventListener('submit', (event) => {
      event.preventDefault();
      const memo = $<HTMLInputElement>('memo').value;
      const amount = BigInt($<HTMLInputElement>('amount').value || '0');
      store
        .run('INSERT INTO entries(memo, amount) VALUES (?, ?)', [memo, amount])
        .then(() => render(store))
        .then(() => (status.textContent = `saved "${memo}"`), (e: Error) => ((status.className = 'err'), (status.textContent = e.message)));
    });
    await render(store);
    status.textContent = 'ready';
  } catch (error) {
    status.className = 'err';
    status.textContent = `could not open the store: ${(error as Error).message}`;
  }
}

void main();
