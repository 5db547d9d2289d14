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
import { TransferView } from './views/transfer';

const LABEL: Record<View, string> = { players: 'Players', send: 'Send', craps: 'Craps', backup: 'Backup', storage: 'Storage', audit: 'Audit' };
const ICON: Record<View, string> = { players: '👥', send: '⇄', craps: '🎲', backup: '💾', storage: '🗄', audit: '✓' };

function Current({ ledger }: { ledger: Ledger }) {
  const { view, player } = route.value;
  switch (view) {
    case 'players':
      return player ? <HistoryView ledger={ledger} playerId={player} /> : <PlayersView ledger={ledger} />;
    case 'send':
      return <TransferView ledger={ledger} />;
    case 'craps':
      return <CrapsView ledger={ledger} />;
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
            <span aria-hidden="true">{ICON[v]}</span>
            {LABEL[v]}
          </a>
        ))}
      </nav>
    </>
  );
}
