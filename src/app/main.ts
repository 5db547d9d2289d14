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
    wireBackups(store, status);
    await render(store);
    status.textContent = 'ready';
  } catch (error) {
    status.className = 'err';
    status.textContent = `could not open the store: ${(error as Error).message}`;
  }
}

/** Export is a file download; restore is an upload, previewed (and fully verified) before the user confirms. */
function wireBackups(store: Store, status: HTMLElement): void {
  const fail = (e: Error) => ((status.className = 'err'), (status.textContent = e.message));
  $('export').addEventListener('click', () => {
    store.exportBackup().then((bytes) => {
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/x-sqlite3' }));
      link.download = `pacioli-${store.name}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.sqlite`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      status.className = '';
      status.textContent = `backup of ${bytes.length} bytes downloaded`;
    }, fail);
  });
  const input = $<HTMLInputElement>('restore');
  let chosen: File | undefined;
  input.addEventListener('change', () => {
    chosen = input.files?.[0];
    if (!chosen) return;
    store.inspectBackup(chosen).then((m) => {
      const rows = Object.entries(m.rowCounts).map(([t, n]) => `${n} ${t}`).join(', ') || 'no rows';
      $('preview-text').textContent = `Backup of "${m.store}" made ${m.createdAt}: ${rows}; schema version ${m.schemaVersion}. Restoring replaces everything shown above.`;
      $('preview').hidden = false;
    }, (e: Error) => ((input.value = ''), fail(e)));
  });
  $('cancel').addEventListener('click', () => ((input.value = ''), ($('preview').hidden = true)));
  $('confirm').addEventListener('click', () => {
    if (!chosen) return;
    store
      .restoreBackup(chosen)
      .then(() => render(store))
      .then(() => ((status.className = ''), (status.textContent = 'backup restored'), ($('preview').hidden = true), (input.value = '')), fail);
  });
}

void main();
