/** The app's shell: banners, the current view, and the bottom navigation. */
import type { Ledger } from '../index';
import { UpdatePrompt } from './pwa-update';
import { route, schemaAhead, VIEWS, type View } from './state';
import { AuditView } from './views/audit';
import { BackupView } from './views/backup';
import { CrapsView } from './views/craps';
import { HistoryView } from './views/history';
import { PlayersView } from './views/players';
import { StorageView } from './views/storage';
import { SyncView } from './views/sync';
import { TransferView } from './views/transfer';

const LABEL: Record<View, string> = { players: 'Players', send: 'Send', craps: 'Craps', sync: 'Sync', backup: 'Backup', storage: 'Storage', audit: 'Audit' };
/** Tab icons as SVG paths (24 × 24, stroked): emoji fonts are missing on many systems. */
const ICON: Record<View, string> = {
  players: 'M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21v-1a7 7 0 0 1 14 0v1M16 3.5a4 4 0 0 1 0 7.5M22 21v-1a7 7 0 0 0-4-6.3',
  send: 'M4 8h15l-4-4M20 16H5l4 4',
  craps: 'M5 3h14a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zM8 8h.01M16 16h.01M12 12h.01',
  sync: 'M20 11a8 8 0 0 0-14.9-3M4 4v4h4M4 13a8 8 0 0 0 14.9 3M20 20v-4h-4',
  backup: 'M12 3v12M7 10l5 5 5-5M4 21h16',
  storage: 'M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3zM4 6v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3',
  audit: 'M9 12l2 2 4-4M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z',
};

function Current({ ledger }: { ledger: Ledger }) {
  const { view, player } = route.value;
  switch (view) {
    case 'players':
      return player ? <HistoryView ledger={ledger} playerId={player} /> : <PlayersView ledger={ledger} />;
    case 'send':
      return <TransferView ledger={ledger} />;
    case 'craps':
      return <CrapsView ledger={ledger} />;
    case 'sync':
      return <SyncView ledger={ledger} />;
    case 'backup':
      return <BackupView ledger={ledger} />;
    case 'storage':
      return <StorageView ledger={ledger} />;
    case 'audit':
      return <AuditView ledger={ledger} />;
  }
}

/** The whole app once the ledger is open. */
export function App({ ledger }: { ledger: Ledger }) {
  const { view } = route.value;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">BitCraps ledger</span>
      </header>
      {schemaAhead.value && (
        <div class="banner" role="alert">
          <span>A newer version of the app changed the ledger in another tab. Reload to keep playing; until then nothing can be saved here.</span>
          <button type="button" onClick={() => location.reload()}>
            Reload
          </button>
        </div>
      )}
      <UpdatePrompt />
      <main id="main" tabIndex={-1}>
        <Current ledger={ledger} />
      </main>
      <nav class="tabs" aria-label="Sections">
        {VIEWS.map((v) => (
          <a key={v} href={`#/${v}`} aria-current={v === view ? 'page' : undefined}>
            <svg viewBox="0 0 24 24" aria-hidden="true" class="tab-icon">
              <path d={ICON[v]} />
            </svg>
            {LABEL[v]}
          </a>
        ))}
      </nav>
    </>
  );
}
