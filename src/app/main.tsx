/**
 * The BitCraps ledger app: opens the ledger, then shows the app, or the
 * recovery page when the ledger cannot be opened (never an empty ledger).
 */
import { render } from 'preact';
import { openLedger } from '../index';
import { App } from './app';
import { registerServiceWorker } from './pwa-update';
import { players, playersLoaded, schemaAhead, STORE_NAME } from './state';
import { RecoveryView } from './views/recovery';
import './styles.css';

async function main(): Promise<void> {
  const root = document.getElementById('app')!;
  void registerServiceWorker();
  let ledger;
  try {
    ledger = await openLedger({ name: STORE_NAME });
  } catch (error) {
    console.error(error);
    render(<RecoveryView error={error} />, root);
    return;
  }
  ledger.store.on('schema-ahead', () => (schemaAhead.value = true));
  ledger.watchPlayers(
    (rows) => ((players.value = rows), (playersLoaded.value = true)),
    (error) => console.error('live balances', error),
  );
  // A shared ledger syncs from the start; one that never joined runs nothing of sync.
  void ledger.sync.state().then((s) => s.joined && ledger.sync.start(), (error: unknown) => console.error('sync', error));
  root.replaceChildren();
  render(<App ledger={ledger} />, root);
}

void main();
