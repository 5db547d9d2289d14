/** One player's history: entries newest first, paged with `before`, and the balance chart. */
import { useEffect, useState } from 'preact/hooks';
import type { Entry, Ledger } from '../../index';
import { formatTokens } from '../amount';
import { players } from '../state';
import { BusyButton, errorText, formatTime, NoteLine, useBusy, type Note } from '../ui';
import { BalanceChart } from './chart';
import { TableHead } from './table-head';

const PAGE = 20;

function describe(entry: Entry): string {
  const game = entry.gameId ? ` (game ${entry.gameId.slice(0, 8)})` : '';
  switch (entry.kind) {
    case 'open':
      return 'Opening balance';
    case 'adjust':
      return 'Adjustment by the house';
    case 'transfer':
      return entry.amount < 0n ? 'Transfer sent' : 'Transfer received';
    case 'bet':
      return `Bet escrowed${game}`;
    case 'settle':
      return `Payout${game}`;
  }
}

/** The history of `playerId`; reloads its first page whenever the player's balance changes (any tab). */
export function HistoryView({ ledger, playerId }: { ledger: Ledger; playerId: string }) {
  const [entries, setEntries] = useState<Entry[]>([]);
  const [done, setDone] = useState(false);
  const [note, setNote] = useState<Note>(null);
  const { busy, run } = useBusy();
  const balance = players.value.find((p) => p.id === playerId)?.balance;

  useEffect(() => {
    let live = true;
    ledger.history(playerId, { limit: PAGE }).then(
      (page) => live && (setEntries(page), setDone(page.length < PAGE), setNote(null)),
      (error) => live && setNote({ kind: 'error', text: errorText(error) }),
    );
    return () => void (live = false);
  }, [ledger, playerId, balance]);

  const older = () =>
    run(async () => {
      const last = entries[entries.length - 1];
      try {
        const page = await ledger.history(playerId, { limit: PAGE, before: last?.id });
        setEntries([...entries, ...page]);
        setDone(page.length < PAGE);
      } catch (error) {
        setNote({ kind: 'error', text: errorText(error) });
      }
    });

  // Balance after each entry: walk back from the current balance, then plot oldest first.
  const after: bigint[] = [];
  if (balance !== undefined) {
    let b = balance;
    for (const e of entries) {
      after.push(b);
      b -= e.amount;
    }
  }
  const points = [...after].reverse();

  return (
    <section aria-labelledby="history-title">
      <p>
        <a class="back" href="#/players">← All players</a>
      </p>
      <h1 id="history-title">History of {playerId}</h1>
      {balance !== undefined && (
        <p class="big">
          Balance <strong>{formatTokens(balance)}</strong> tokens
        </p>
      )}
      <BalanceChart points={points} label={`Balance of ${playerId} over the ${points.length} entries shown, from ${formatTokens(points[0] ?? 0n)} to ${formatTokens(points[points.length - 1] ?? 0n)}`} />
      <NoteLine note={note} />
      <table class="history" aria-label={`Entries of ${playerId}`}>
        <TableHead columns={['What', { label: 'Amount', num: true }, { label: 'Balance after', num: true }]} />
        <tbody>
          {entries.map((e, i) => (
            <tr key={e.id}>
              <td>
                {describe(e)}
                <br />
                <small>{formatTime(e.at)}</small>
              </td>
              <td class={`num ${e.amount < 0n ? 'debit' : 'credit'}`}>{(e.amount > 0n ? '+' : '') + formatTokens(e.amount)}</td>
              <td class="num">{after[i] === undefined ? '' : formatTokens(after[i]!)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!done && (
        <BusyButton type="button" busy={busy} busyLabel="Loading…" onClick={() => void older()}>
          Show older entries
        </BusyButton>
      )}
    </section>
  );
}
