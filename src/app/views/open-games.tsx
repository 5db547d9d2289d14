/**
 * The ledger's unsettled games, listed at the craps table when this browser
 * plays none: a game begun in another tab or on another device, or one this
 * browser forgot (localStorage cleared), shows with its pot, bets and point,
 * and can be resumed. Its stakes are never out of reach.
 */
import { useEffect, useState } from 'preact/hooks';
import type { GameInfo, Ledger } from '../../index';
import { formatTokens } from '../amount';
import { roundFromGame, type Round } from '../round';
import { errorText, formatTime, NoteLine, type Note } from '../ui';

const SIDE_NAME = { pass: 'Pass line', dontPass: "Don't pass" } as const;

/** Where a resumed game stands, in a player's words. */
function phase(round: Round): string {
  if (round.decision) return `${round.decision.reason}, not paid out yet`;
  return round.point === null ? 'Come-out roll' : `Point is ${round.point}`;
}

/** Lists the open games (all but `except`) and resumes one through `onResume`. */
export function OpenGames({ ledger, except, busy, onResume }: { ledger: Ledger; except?: string; busy: boolean; onResume: (round: Round) => void }) {
  const [games, setGames] = useState<GameInfo[] | null>(null);
  const [note, setNote] = useState<Note>(null);
  useEffect(() => {
    ledger.openGames().then(setGames, (error) => setNote({ kind: 'error', text: errorText(error) }));
  }, [ledger, except]);
  const shown = (games ?? []).filter((g) => g.id !== except);
  if (shown.length === 0 && !note) return null;
  return (
    <div class="card">
      <h2>Open games</h2>
      <p>Games with stakes still in the pot, from this browser or another.</p>
      <ul class="open-games" aria-label="Open games">
        {shown.map((game) => {
          const round = roundFromGame(game);
          const unknown = game.bets.length - round.bets.length;
          return (
            <li key={game.id}>
              <span>
                {formatTime(game.createdAt)} · Pot {formatTokens(game.pot)} · {phase(round)}
                {round.bets.map((b) => ` · ${b.playerId} ${formatTokens(BigInt(b.amount))} on ${SIDE_NAME[b.side]}`).join('')}
                {unknown > 0 ? ` · ${unknown} bet${unknown === 1 ? '' : 's'} of unknown side, returned at the payout` : ''}
              </span>
              <button type="button" disabled={busy} onClick={() => onResume(round)} aria-label={`Resume game of ${formatTime(game.createdAt)}`}>
                Resume
              </button>
            </li>
          );
        })}
      </ul>
      <NoteLine note={note} />
    </div>
  );
}
