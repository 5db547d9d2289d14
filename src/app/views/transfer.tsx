/**
 * Sending tokens. The amount goes from the text field to the ledger as a
 * bigint (never a Number). One idempotency key per submission: the key is
 * made when the form is first filled and renewed only when a field changes,
 * so a double tap, or a retry of an unchanged form, is the same transfer and
 * the ledger records it once.
 */
import { useRef, useState } from 'preact/hooks';
import type { Ledger } from '../../index';
import { formatTokens, parseAmount } from '../amount';
import { players } from '../state';
import { BusyButton, errorText, Field, NoteLine, useBusy, type Note } from '../ui';

/** The transfer form; its messages appear beside it. */
export function TransferView({ ledger }: { ledger: Ledger }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState<Note>(null);
  const key = useRef(crypto.randomUUID());
  const { busy, run } = useBusy();
  const edit = (set: (v: string) => void) => (value: string) => {
    key.current = crypto.randomUUID(); // a changed form is a new submission
    set(value);
  };

  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const value = parseAmount(amount);
      if (!from.trim() || !to.trim()) return setNote({ kind: 'error', text: 'Enter who pays and who receives.' });
      if (!value.ok) return setNote({ kind: 'error', text: value.message });
      try {
        const receipt = await ledger.transfer(from.trim(), to.trim(), value.value, { idempotencyKey: key.current });
        const what = `${formatTokens(value.value)} tokens from ${from.trim()} to ${to.trim()}`;
        setNote({ kind: 'ok', text: receipt.replayed ? `Already sent: ${what} (recorded once).` : `Sent ${what}.` });
      } catch (error) {
        setNote({ kind: 'error', text: errorText(error) });
      }
    });
  };

  return (
    <section aria-labelledby="send-title">
      <h1 id="send-title">Send tokens</h1>
      <form class="card" onSubmit={submit} noValidate aria-labelledby="send-title">
        <datalist id="player-ids">
          {players.value.map((p) => (
            <option key={p.id} value={p.id}>
              {formatTokens(p.balance)}
            </option>
          ))}
        </datalist>
        <Field id="send-from" label="From" value={from} onInput={edit(setFrom)} list="player-ids" describedBy="send-note" />
        <Field id="send-to" label="To" value={to} onInput={edit(setTo)} list="player-ids" describedBy="send-note" />
        <Field id="send-amount" label="Amount" value={amount} onInput={edit(setAmount)} inputMode="numeric" hint="Whole tokens." describedBy="send-note" />
        <BusyButton busy={busy} busyLabel="Sending…">
          Send
        </BusyButton>
        <NoteLine id="send-note" note={note} />
      </form>
    </section>
  );
}
