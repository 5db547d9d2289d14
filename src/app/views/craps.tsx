/**
 * The craps table: a round is a ledger game. Bets (pass line or don't pass)
 * are escrowed with `recordBet`, their side recorded as the wager, before the
 * come-out roll; the dice come from `rollDice` (crypto, rejection sampling)
 * and each roll is recorded (`recordRoll`) before it counts; the rules module
 * decides; the payout is one `settleGame`, the house covering even-money
 * winners. Since the ledger holds all of it, a game can be resumed from the
 * open games list in any tab or device (round.ts, open-games.tsx).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { StoreError, type Ledger } from '../../index';
import { payouts, refunds, resolveRoll, type Side } from '../craps-rules';
import { rollDice } from '../dice';
import { formatTokens, parseAmount } from '../amount';
import { addPayouts, loadRound, ROUND_KEY, roundFromGame, saveRound, sideBets, unknownStakes, type Round } from '../round';
import { players } from '../state';
import { BusyButton, errorText, Field, NoteLine, useBusy, type Note } from '../ui';
import { Dice } from './dice-faces';
import { OpenGames } from './open-games';
import { TableHead } from './table-head';

const SIDE_NAME: Record<Side, string> = { pass: 'Pass line', dontPass: "Don't pass" };

/** The table: start a round, take bets, roll until decided, pay out. */
export function CrapsView({ ledger }: { ledger: Ledger }) {
  const [round, setRoundState] = useState<Round | null>(loadRound);
  const [player, setPlayer] = useState('');
  const [side, setSide] = useState<Side>('pass');
  const [amount, setAmount] = useState('100');
  const [note, setNote] = useState<Note>(null);
  const key = useRef(crypto.randomUUID());
  const { busy, run } = useBusy();
  const setRound = (next: Round | null) => (saveRound(next), setRoundState(next));

  // Another tab of this app played the round on: follow its state rather than act on a stale copy.
  useEffect(() => {
    const follow = (event: StorageEvent) => event.key === ROUND_KEY && setRoundState(loadRound());
    window.addEventListener('storage', follow);
    return () => window.removeEventListener('storage', follow);
  }, []);

  // The saved round is brought in line with the ledger, its truth: bets, sides and rolls made in
  // another tab, a payout made meanwhile, or a game the ledger no longer has (a restore).
  useEffect(() => {
    if (!round) return;
    ledger.game(round.gameId).then(
      (game) => setRound(roundFromGame(game, round)),
      (error) => error instanceof StoreError && error.code === 'NOT_FOUND' && setRound(null),
    );
  }, [ledger]);

  const fail = (error: unknown) => setNote({ kind: 'error', text: errorText(error) });
  const newRound = () =>
    run(async () => {
      try {
        const gameId = await ledger.createGame();
        setRound({ gameId, bets: [], point: null, rolls: [], decision: null, settled: false });
        setNote({ kind: 'ok', text: 'New round: place your bets, then roll.' });
      } catch (error) {
        fail(error);
      }
    });

  const bet = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      if (!round) return;
      const value = parseAmount(amount);
      if (!player.trim()) return setNote({ kind: 'error', text: 'Choose who bets.' });
      if (!value.ok) return setNote({ kind: 'error', text: value.message });
      try {
        // Like a transfer: the key is renewed only when a field changes, so a double tap is one bet.
        const k = key.current;
        const receipt = await ledger.recordBet(round.gameId, player.trim(), value.value, { idempotencyKey: k, wager: side });
        if (!round.bets.some((b) => b.key === k || b.operationId === receipt.id)) {
          setRound({ ...round, bets: [...round.bets, { playerId: player.trim(), side, amount: value.value.toString(), key: k, operationId: receipt.id }] });
        }
        const what = `${player.trim()} bets ${formatTokens(value.value)} on ${SIDE_NAME[side]}`;
        setNote({ kind: 'ok', text: receipt.replayed ? `Already placed: ${what} (recorded once).` : `${what}.` });
      } catch (error) {
        fail(error);
      }
    });
  };

  const settle = async (r: Round) => {
    if (!r.decision) return;
    try {
      const game = await ledger.game(r.gameId);
      await ledger.settleGame(r.gameId, addPayouts(payouts(sideBets(r), r.decision), unknownStakes(r, game.bets)), { houseCovers: true });
    } catch (error) {
      // Settled already (a reply lost to a reload): the ledger has it, so the round is done.
      const game = await ledger.game(r.gameId).catch(() => null);
      if (game?.status !== 'settled') throw error;
    }
    setRound({ ...r, settled: true });
  };

  const roll = () =>
    run(async () => {
      if (!round || round.decision || round.bets.length === 0) return;
      const dice = rollDice();
      try {
        await ledger.recordRoll(round.gameId, ...dice); // durable before it counts: a reload cannot roll it again
      } catch (error) {
        return fail(error);
      }
      const result = resolveRoll(round.point, ...dice);
      const next: Round = { ...round, rolls: [...round.rolls, dice], point: result.point, decision: result.decision };
      setRound(next); // the ledger has the roll, so any tab or device can finish the payout
      if (result.decision) await settle(next).catch(fail);
    });

  const resume = (listed: Round) =>
    run(async () => {
      try {
        const game = await ledger.game(listed.gameId); // as it is now, not as it was listed
        if (game.status === 'settled') return setNote({ kind: 'error', text: 'That game was paid out meanwhile.' });
        setRound(roundFromGame(game));
        setNote({ kind: 'ok', text: 'Game resumed.' });
      } catch (error) {
        fail(error);
      }
    });

  const payOut = () => run(async () => void (round && (await settle(round).catch(fail))));
  const cancel = () =>
    run(async () => {
      if (!round) return;
      try {
        // The ledger's own list of the pot's bets: every stake comes back, even one this round missed.
        const game = await ledger.game(round.gameId);
        await ledger.settleGame(round.gameId, refunds(game.bets.map((b) => ({ playerId: b.playerId, side: 'pass' as const, amount: b.amount }))));
        setRound(null);
        setNote({ kind: 'ok', text: 'Round cancelled; every bet was returned.' });
      } catch (error) {
        fail(error);
      }
    });

  const last = round?.rolls[round.rolls.length - 1];
  const open = round && !round.settled;
  const result = round?.decision ? payouts(sideBets(round), round.decision) : null;
  return (
    <section aria-labelledby="craps-title">
      <h1 id="craps-title">Craps table</h1>
      {!open && (
        <p>
          {round?.settled ? 'The round is paid out. ' : 'Pass line and don\u2019t pass, even money. '}
          <BusyButton type="button" busy={busy} onClick={() => void newRound()}>
            New round
          </BusyButton>
        </p>
      )}
      {round && (
        <div class="table-felt">
          <p class="phase" aria-live="polite">
            {round.decision ? round.decision.reason : round.point === null ? 'Come-out roll' : `Point is ${round.point}`}
          </p>
          {last && <Dice first={last[0]} second={last[1]} />}
          {round.rolls.length > 0 && (
            <p class="hint">
              Rolls: {round.rolls.map(([a, b]) => a + b).join(', ')}
            </p>
          )}
          {round.bets.length > 0 && (
            <table aria-label="Bets this round">
              <TableHead columns={['Player', 'Bet', { label: 'Stake', num: true }]} />
              <tbody>
                {round.bets.map((b) => (
                  <tr key={b.key}>
                    <td>{b.playerId}</td>
                    <td>{SIDE_NAME[b.side]}</td>
                    <td class="num">{formatTokens(BigInt(b.amount))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {result && round.settled && (
            <ul aria-label="Payouts">
              {round.bets.length > 0 && Object.keys(result).length === 0 && <li>The house takes every stake.</li>}
              {Object.entries(result).map(([id, amt]) => (
                <li key={id}>
                  {id} receives {formatTokens(amt)}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {open && round.rolls.length === 0 && (
        <form class="card" onSubmit={bet} noValidate aria-labelledby="bet-title">
          <h2 id="bet-title">Place a bet</h2>
          <datalist id="bettor-ids">
            {players.value.map((p) => (
              <option key={p.id} value={p.id} />
            ))}
          </datalist>
          <Field id="bet-player" label="Player" value={player} onInput={(v) => ((key.current = crypto.randomUUID()), setPlayer(v))} list="bettor-ids" describedBy="bet-note" />
          <fieldset class="sides">
            <legend>Side</legend>
            {(['pass', 'dontPass'] as const).map((s) => (
              <label key={s}>
                <input type="radio" name="side" checked={side === s} onChange={() => ((key.current = crypto.randomUUID()), setSide(s))} /> {SIDE_NAME[s]}
              </label>
            ))}
          </fieldset>
          <Field id="bet-amount" label="Stake" value={amount} onInput={(v) => ((key.current = crypto.randomUUID()), setAmount(v))} inputMode="numeric" describedBy="bet-note" />
          <BusyButton busy={busy} busyLabel="Betting…">
            Place bet
          </BusyButton>
        </form>
      )}
      <NoteLine id="bet-note" note={note} />
      {!open && <OpenGames ledger={ledger} except={round?.gameId} busy={busy} onResume={(r) => void resume(r)} />}
      {open && !round.decision && (
        <div class="actions">
          <button type="button" class="primary" disabled={busy || round.bets.length === 0} aria-busy={busy} onClick={() => void roll()}>
            {busy ? 'Rolling…' : 'Roll dice'}
          </button>
          {round.rolls.length === 0 && (
            <BusyButton type="button" busy={busy} onClick={() => void cancel()}>
              Cancel round
            </BusyButton>
          )}
        </div>
      )}
      {open && round.decision && (
        <BusyButton type="button" busy={busy} busyLabel="Paying…" onClick={() => void payOut()}>
          Pay out
        </BusyButton>
      )}
    </section>
  );
}
