/**
 * The whole model with two devices, as the client's sync engine will run it:
 * each applies its ops locally at once (offline), pushes them, then rebuilds
 * its books as the canonical log plus its still-pending ops. One device's
 * spend loses the race and is rejected with its reason; afterwards both
 * devices hold the same balances and the same history, and agree with the server.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ledgerOps } from '../../src/ledger/operations';
import type { Op, PendingOp, PushResult } from '../../src/sync/protocol';
import type { Engine } from '../../src/worker/sql/engine';
import { applyInTx, DeviceClient, localBalances, localLedger, replay, serverBalances, startServer, type Server } from './harness';

let server: Server;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

/** A device: its local books and its outbox. */
class Device {
  outbox: PendingOp[] = [];
  rejected: PushResult[] = [];
  constructor(
    readonly api: DeviceClient,
    public books: Engine,
  ) {}

  /** Local first: applied at once, queued only if the local books accept it. */
  apply(op: Op): string | undefined {
    const [pending] = this.api.pending(op);
    const refused = applyInTx(this.books, op, pending!.key);
    if (refused) this.api.nextSeq--; // refused locally: never queued, so no deviceSeq is used up
    else this.outbox.push(pending!);
    return refused;
  }

  async sync(): Promise<void> {
    if (this.outbox.length > 0) {
      const answer = await this.api.send(this.outbox);
      expect(answer.status).toBe(200);
      this.rejected.push(...answer.body.results.filter((r) => r.status === 'rejected'));
      const done = new Set(answer.body.results.map((r) => r.key));
      this.outbox = this.outbox.filter((p) => !done.has(p.key));
    }
    // Rebase: the canonical log, then what is still pending (nothing here: every op got its answer).
    const log = await this.api.log();
    this.books.close();
    this.books = await replay(log);
    for (const p of this.outbox) applyInTx(this.books, p.op, p.key);
  }
}

function historyOf(e: Engine, player: string) {
  return ledgerOps.history(e, player, { limit: 100 }).map((h) => ({ kind: h.kind, amount: h.amount, gameId: h.gameId }));
}

it('two offline devices converge on the server books; the losing spend is rejected with its reason', async () => {
  const ownerApi = await DeviceClient.create(server.url);
  const phone = new Device(ownerApi, await localLedger());
  const laptop = new Device(await ownerApi.invite(), await localLedger());

  expect(phone.apply({ type: 'createPlayer', player: 'ann', balance: '100' })).toBeUndefined();
  expect(phone.apply({ type: 'createPlayer', player: 'bo', balance: '50' })).toBeUndefined();
  expect(phone.apply({ type: 'transfer', from: 'ann', to: 'ann', amount: '1' })).toBe('INVALID_ARGUMENT'); // never leaves the phone
  await phone.sync();
  await laptop.sync();
  expect(localBalances(laptop.books)).toEqual(localBalances(phone.books));

  // Both go offline and spend ann's money.
  expect(phone.apply({ type: 'transfer', from: 'ann', to: 'bo', amount: '70' })).toBeUndefined();
  expect(phone.apply({ type: 'createGame', game: 'table-1' })).toBeUndefined();
  expect(phone.apply({ type: 'recordBet', game: 'table-1', player: 'bo', amount: '20' })).toBeUndefined();
  expect(laptop.apply({ type: 'transfer', from: 'ann', to: 'bo', amount: '60' })).toBeUndefined();
  expect(laptop.apply({ type: 'transfer', from: 'bo', to: 'ann', amount: '5' })).toBeUndefined();

  await phone.sync(); // the phone is back first: its spend wins
  await laptop.sync();
  await phone.sync();
  expect(phone.rejected).toEqual([]);
  expect(laptop.rejected).toEqual([expect.objectContaining({ status: 'rejected', reason: 'INSUFFICIENT_FUNDS', message: 'player ann has 30, cannot pay 60' })]);

  const server_ = await serverBalances(server.sql, ownerApi.joined.ledgerId);
  expect(localBalances(phone.books)).toEqual(server_);
  expect(localBalances(laptop.books)).toEqual(server_);
  expect(Object.fromEntries(server_)).toMatchObject({ 'player:ann': 35n, 'player:bo': 95n, 'pot:table-1': 20n });
  for (const p of ['ann', 'bo']) expect(historyOf(laptop.books, p)).toEqual(historyOf(phone.books, p));
  const audit = await phone.api.audit();
  expect(audit).toMatchObject({ ok: true, totalSupply: '150' });
  expect(ledgerOps.audit(laptop.books)).toEqual({ ok: true, problems: [], totalSupply: 150n });
});
