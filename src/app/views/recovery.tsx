/**
 * Shown instead of the app when the ledger cannot be opened. It says what
 * happened in the store's words and never shows an empty ledger. The store's
 * public API restores backups and checkpoints only through an open store, so
 * this page cannot restore by itself yet: it keeps the damaged data untouched
 * and says so (see README "When the ledger cannot open").
 */
import { StoreError } from '../../index';

function explain(error: unknown): { title: string; detail: string } {
  if (error instanceof StoreError) {
    if (error.code === 'CORRUPT') return { title: 'The saved ledger is damaged', detail: 'Part of what this browser stored does not check out, so the app refuses to open it rather than show balances that may be wrong.' };
    if (error.code === 'UNSUPPORTED') return { title: 'This browser cannot run the ledger', detail: 'It lacks something the ledger needs to keep tokens safe across tabs. A current Chrome, Edge, Firefox or Safari, outside private browsing, works.' };
    if (error.code === 'SCHEMA_AHEAD' || error.code === 'MIGRATION_FAILED' || error.code === 'MIGRATION_CHECKSUM') return { title: 'The ledger was changed by another version of the app', detail: 'Reload to get the current version.' };
  }
  return { title: 'The ledger could not be opened', detail: 'Something unexpected stopped it. Nothing was changed.' };
}

/** The recovery page. */
export function RecoveryView({ error }: { error: unknown }) {
  const { title, detail } = explain(error);
  const code = error instanceof StoreError ? error.code : error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return (
    <main class="recovery" aria-labelledby="recovery-title">
      <h1 id="recovery-title">{title}</h1>
      <p>{detail}</p>
      <p>What the store reported:</p>
      <pre class="error-detail">
        {code}: {message}
      </pre>
      <h2>What you can do</h2>
      <ul>
        <li>Reload: if another tab was in the middle of something, it may open now.</li>
        <li>
          Keep your data: do not clear this site's data. The damaged ledger is left exactly as it is, together with its automatic checkpoints, so a
          later version of the app can restore a checkpoint or one of your backup files into it.
        </li>
        <li>If you exported a backup file, keep it: it holds every balance as of that day.</li>
      </ul>
      <button type="button" onClick={() => location.reload()}>
        Reload
      </button>
    </main>
  );
}
