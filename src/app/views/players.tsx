/** The player list with live balances, and the form that adds a player. */
import { useState } from 'preact/hooks';
import type { Ledger } from '../../index';
import { formatTokens, parseAmount } from '../amount';
import { players, playersLoaded } from '../state';
import { BusyButton, errorText, Field, NoteLine, useBusy, type Note } from '../ui';
import { TableHead } from './table-head';

/** Adds players; lists every player with a balance that updates when any tab commits. */
export function PlayersView({ ledger }: { ledger: Ledger }) {
  const [id, setId] = useState('');
  const [opening, setOpening] = useState('1000');
  const [note, setNote] = useState<Note>(null);
  const { busy, run } = useBusy();

  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const name = id.trim();
      const amount = parseAmount(opening);
      if (!name) return setNote({ kind: 'error', text: 'Enter a player id.' });
      if (!amount.ok) return setNote({ kind: 'error', text: amount.message });
      try {
        await ledger.createPlayer(name, amount.value);
        setNote({ kind: 'ok', text: `Added ${name} with ${formatTokens(amount.value)} tokens.` });
        setId('');
      } catch (error) {
        setNote({ kind: 'error', text: errorText(error) });
      }
    });
  };

  return (
    <section aria-labelledby="players-title">
      <h1 id="players-title">Players</h1>
      {playersLoaded.value && players.value.length === 0 && <p>No players yet. Add the first one: an id (a name or a peer id) and the tokens they start with.</p>}
      {players.value.length > 0 && (
        <table class="balances" aria-label="Balances">
          <TableHead columns={['Player', { label: 'Balance', num: true }]} />
          <tbody>
            {players.value.map((p) => (
              <tr key={p.id}>
                <th scope="row">
                  <a href={`#/players/${encodeURIComponent(p.id)}`} aria-label={`${p.id}: history`}>
                    {p.id}
                  </a>
                </th>
                <td class="num" data-balance={p.balance.toString()}>
                  {formatTokens(p.balance)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form class="card" onSubmit={submit} aria-labelledby="add-player-title" noValidate>
        <h2 id="add-player-title">Add a player</h2>
        <Field id="player-id" label="Player id" value={id} onInput={setId} required describedBy="add-player-note" />
        <Field id="player-opening" label="Opening balance" value={opening} onInput={setOpening} inputMode="numeric" hint="Whole tokens, minted by the house." describedBy="add-player-note" />
        <BusyButton busy={busy} busyLabel="Adding…">
          Add player
        </BusyButton>
        <NoteLine id="add-player-note" note={note} />
      </form>
    </section>
  );
}
