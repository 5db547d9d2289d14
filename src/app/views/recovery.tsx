/**
 * Shown instead of the app when the ledger cannot be opened. It says what
 * happened in the store's words and never shows an empty ledger; it offers
 * the recovery copy (after STORAGE_LOST), the ledger's own checkpoints
 * (recovery-checkpoints.tsx) and a fresh start from a backup file
 * (recovery-actions.tsx). Nothing is deleted unless the player confirms.
 */
import { StoreError } from '../../index';
import { RecoveryCopyPanel, StartOverPanel } from './recovery-actions';
import { CheckpointsPanel } from './recovery-checkpoints';

function explain(error: unknown): { title: string; detail: string } {
  if (error instanceof StoreError) {
    if (error.code === 'STORAGE_LOST') return { title: 'The browser lost the saved ledger', detail: 'This browser threw away the ledger\u2019s storage (it happens after a crash, now and then). The app keeps a recovery copy elsewhere and can bring it back.' };
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
      <p>Reload first: if another tab was in the middle of something, the ledger may open now.</p>
      <button type="button" onClick={() => location.reload()}>
        Reload
      </button>
      {code === 'STORAGE_LOST' && <RecoveryCopyPanel />}
      {(code === 'CORRUPT' || code === 'STORAGE_LOST') && <CheckpointsPanel />}
      {code !== 'UNSUPPORTED' && <StartOverPanel />}
      <p class="hint">Until you choose, the damaged ledger is left exactly as it is.</p>
    </main>
  );
}
