/** The sync panel's lists: ops waiting for the server, and ops it rejected with its reason. */
import type { PendingSummary, SyncOp, SyncRejection } from '../../index';
import { formatTime } from '../ui';
import { TableHead } from './table-head';

/** An op in a player's words. */
export function describeOp(op: SyncOp): string {
  switch (op.type) {
    case 'createPlayer':
      return `Add ${op.player} with ${op.balance}`;
    case 'setBalance':
      return `Set ${op.player} to ${op.balance}`;
    case 'transfer':
      return `${op.from} sends ${op.amount} to ${op.to}`;
    case 'createGame':
      return `Open game ${op.game}`;
    case 'recordBet':
      return `${op.player} bets ${op.amount}${op.wager ? ` on ${op.wager === 'dontPass' ? "don't pass" : op.wager}` : ''} in game ${op.game}`;
    case 'recordRoll':
      return `Roll ${op.die1} and ${op.die2} in game ${op.game}`;
    case 'settleGame':
      return `Settle game ${op.game}${op.payouts.length ? `: ${op.payouts.map((p) => `${p.player} ${p.amount}`).join(', ')}` : ''}${op.houseCovers ? ' (the house covers)' : ''}`;
  }
}

/** Ops queued on this device, oldest first; a doubtful one no longer fits the server's books. */
export function PendingList({ pending }: { pending: PendingSummary[] }) {
  if (pending.length === 0) return <p>Nothing is waiting for the server.</p>;
  return (
    <table aria-label="Pending operations">
      <TableHead columns={['#', 'Operation', 'State']} />
      <tbody>
        {pending.map((p) => (
          <tr key={p.deviceSeq}>
            <td>{p.deviceSeq}</td>
            <td>{describeOp(p.op)}</td>
            <td>{!p.inBooks ? 'Doubtful: no longer fits the shared books' : p.seq ? 'Accepted, arriving' : 'Waiting'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Ops the server refused for good, newest first, with its reason; they are no longer in the books. */
export function RejectedList({ rejections }: { rejections: SyncRejection[] }) {
  if (rejections.length === 0) return <p>The server has rejected nothing.</p>;
  return (
    <table aria-label="Rejected operations">
      <TableHead columns={['Operation', 'Reason', 'When']} />
      <tbody>
        {rejections.map((r) => (
          <tr key={r.deviceSeq}>
            <td>{describeOp(r.op)}</td>
            <td>
              {r.reason}: {r.message}
            </td>
            <td>{formatTime(r.at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
