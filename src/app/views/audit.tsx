/** Runs the ledger's audit and names every problem it finds. */
import { useState } from 'preact/hooks';
import type { AuditReport, Ledger } from '../../index';
import { formatTokens } from '../amount';
import { BusyButton, errorText, NoteLine, useBusy, type Note } from '../ui';

/** The audit view. */
export function AuditView({ ledger }: { ledger: Ledger }) {
  const [report, setReport] = useState<AuditReport | null>(null);
  const [note, setNote] = useState<Note>(null);
  const { busy, run } = useBusy();
  const audit = () =>
    run(async () => {
      try {
        setReport(await ledger.audit());
        setNote(null);
      } catch (error) {
        setNote({ kind: 'error', text: errorText(error) });
      }
    });
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit</h1>
      <p>Checks that every operation balances, every balance equals its entries, no player or pot is negative, settled pots are empty, and the house explains the total supply.</p>
      <BusyButton type="button" busy={busy} busyLabel="Auditing…" onClick={() => void audit()}>
        Run audit
      </BusyButton>
      <NoteLine note={note} />
      {report && (
        <div class={`card ${report.ok ? 'ok' : 'bad'}`} role="status">
          <h2>{report.ok ? 'The books balance' : `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} found`}</h2>
          <p>Total supply: {formatTokens(report.totalSupply)} tokens</p>
          {report.problems.length > 0 && (
            <ul aria-label="Problems">
              {report.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
