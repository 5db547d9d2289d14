/**
 * A protocol op as a call of the local ledger (src/ledger/operations.ts):
 * what a device runs when it applies its own op at once, and when it rebases
 * (replays the canonical log, then its still-pending ops). Runs inside the
 * worker, in the transaction the host opened, like every ledger operation.
 */
import type { Sql } from '../shared/types';
import { ledgerOps } from '../ledger/operations';
import type { Receipt } from '../ledger/types';
import type { Op } from './protocol';

/**
 * Applies `op` to the local books. `key` (the op's idempotency key) becomes
 * the local idempotency key of transfers and bets, so a local retry of the
 * same op is recognised as one. Throws the local ledger's StoreError when the
 * local state refuses the op. Returns what the ledger operation returns (a
 * receipt for transfers and bets, the id for a game), so the device's own
 * call gets the same answer as on a ledger that does not sync.
 */
export function applyLocal(e: Sql, op: Op, key?: string): Receipt | string | number | void {
  const options = key === undefined ? undefined : { idempotencyKey: key };
  switch (op.type) {
    case 'createPlayer':
      return ledgerOps.createPlayer(e, op.player, BigInt(op.balance));
    case 'setBalance':
      return ledgerOps.setBalance(e, op.player, BigInt(op.balance));
    case 'transfer':
      return ledgerOps.transfer(e, op.from, op.to, BigInt(op.amount), options);
    case 'createGame':
      return ledgerOps.createGame(e, { id: op.game });
    case 'recordBet':
      return ledgerOps.recordBet(e, op.game, op.player, BigInt(op.amount), op.wager === undefined ? options : { ...options, wager: op.wager });
    case 'recordRoll':
      return ledgerOps.recordRoll(e, op.game, op.die1, op.die2);
    case 'settleGame':
      // fromEntries defines own properties, so even a player named "__proto__" stays a payout.
      return ledgerOps.settleGame(e, op.game, Object.fromEntries(op.payouts.map((p) => [p.player, BigInt(p.amount)])), op.houseCovers ? { houseCovers: true } : undefined);
  }
}
