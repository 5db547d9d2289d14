/**
 * Where the ledger lives: schema version, the store's sizes (`stats()`), the
 * browser's quota, and persistence. Without persistent storage the browser
 * may evict the data (Safari after 7 days unless the app is installed), so
 * the panel then asks for a backup.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Ledger, StoreStats } from '../../index';
import { BusyButton, errorText, formatBytes, NoteLine, useBusy, type Note } from '../ui';

interface Facts {
  schemaVersion: number;
  stats: StoreStats;
  estimate: StorageEstimate | null;
  persisted: boolean | null;
}

async function facts(ledger: Ledger): Promise<Facts> {
  const storage = navigator.storage as StorageManager | undefined;
  return {
    schemaVersion: await ledger.store.schemaVersion(),
    stats: await ledger.store.stats(),
    estimate: storage?.estimate ? await storage.estimate() : null,
    persisted: storage?.persisted ? await storage.persisted() : null,
  };
}

/** The storage panel. */
export function StorageView({ ledger }: { ledger: Ledger }) {
  const [f, setFacts] = useState<Facts | null>(null);
  const [note, setNote] = useState<Note>(null);
  const { busy, run } = useBusy();
  const load = () => facts(ledger).then(setFacts, (e) => setNote({ kind: 'error', text: errorText(e) }));
  useEffect(() => void load(), [ledger]);

  const persist = () =>
    run(async () => {
      const granted = await navigator.storage.persist();
      setNote(granted ? { kind: 'ok', text: 'Storage is now persistent.' } : { kind: 'error', text: 'The browser declined. Installing the app, or using it often, makes it more likely to agree.' });
      await load();
    });

  const rows: [string, string][] = f
    ? [
        ['Schema version', String(f.schemaVersion)],
        ['Database snapshot', formatBytes(f.stats.snapshotBytes)],
        ['Change log', `${formatBytes(f.stats.logBytes)} in ${f.stats.logEntries} entries`],
        ['Commits', String(f.stats.seq)],
        ['Durability', f.stats.durability],
        ['Origin storage used', f.estimate?.usage !== undefined ? formatBytes(f.estimate.usage) : 'unknown'],
        ['Origin quota', f.estimate?.quota !== undefined ? formatBytes(f.estimate.quota) : 'unknown'],
        ['Persistent', f.persisted === null ? 'not supported' : f.persisted ? 'yes' : 'no'],
      ]
    : [];
  return (
    <section aria-labelledby="storage-title">
      <h1 id="storage-title">Storage</h1>
      {!f ? (
        <p role="status">Reading…</p>
      ) : (
        <dl class="facts">
          {rows.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      )}
      {f && f.persisted === false && (
        <div class="card nudge">
          <p>
            <strong>This browser may delete the ledger</strong> when space runs low, and Safari deletes it after 7 days without a visit unless the app is installed. Ask for persistent storage, and export a backup.
          </p>
          <div class="actions">
            <BusyButton type="button" busy={busy} onClick={() => void persist()}>
              Make storage persistent
            </BusyButton>
            <a class="button" href="#/backup">
              Export a backup
            </a>
          </div>
        </div>
      )}
      <NoteLine note={note} />
    </section>
  );
}
