/**
 * The device side of sync (src/sync/device.ts, rebase.ts) on real local books
 * (sql.js) against the real server: the outbox fills in the ledger write's own
 * transaction, pushes are answered, pulls rebase. After every step the local
 * audit is clean, and after a sync each device's books equal a plain replay
 * of the canonical log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerOps, type LedgerOpName } from '../../src/ledger/operations';
import { LEDGER_MIGRATIONS } from '../../src/ledger/schema';
import { syncOps } from '../../src/sync/device-ops';
import { isSharedWrite, loadOpChecks, record } from '../../src/sync/device';
import type { Joined, PullAnswer, PushAnswer } from '../../src/sync/protocol';
import { checkMigrations, migrate } from '../../src/worker/features/migrations';
import { Engine } from '../../src/worker/sql/engine';
import { loadSql, migrationSteps } from '../helpers';
import { call, DeviceClient, localBalances, replay, startServer, type Server } from './harness';

let server: Server;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

/** A device as the worker runs it: every call one transaction on its books. */
class Device {
  paths: string[] = [];
  private constructor(readonly e: Engine) {}

  static async open(): Promise<Device> {
    const e = new Engine(await loadSql());
    await migrate(migrationSteps(e), await checkMigrations(LEDGER_MIGRATIONS), LEDGER_MIGRATIONS.length);
    return new Device(e);
  }

  tx<T>(fn: (e: Engine) => T): T {
    this.e.begin();
    try {
      const out = fn(this.e);
      this.e.pending(1);
      this.e.commit();
      return out;
    } catch (error) {
      this.e.rollback();
      throw error;
    } finally {
      expect(ledgerOps.audit(this.e)).toMatchObject({ ok: true });
    }
  }

  /** A ledger write as the worker's `ledger` RPC makes it. */
  write(name: LedgerOpName, ...args: unknown[]): unknown {
    return this.tx((e) => (isSharedWrite(e, name) ? record(e, name, args) : (ledgerOps[name] as (e: Engine, ...a: unknown[]) => unknown)(e, ...args)));
  }

  /** Refused locally: the error's code. */
  refused(name: LedgerOpName, ...args: unknown[]): string {
    try {
      this.write(name, ...args);
    } catch (error) {
      return (error as { code: string }).code;
    }
    throw new Error(`${name} was accepted`);
  }

  /** One round of the page's loop: push everything, then pull everything. */
  async sync(): Promise<void> {
    const me = this.tx((e) => syncOps.credentials(e))!;
    for (let batch = this.tx((e) => syncOps.outbox(e)); batch.length > 0; batch = this.tx((e) => syncOps.outbox(e))) {
      const r = await call<PushAnswer>(me.serverUrl, 'POST', `/v1/ledgers/${me.ledgerId}/push`, { token: me.deviceToken, body: { ops: batch } });
      expect(r.status).toBe(200);
      this.tx((e) => syncOps.pushed(e, r.body.results));
    }
    for (;;) {
      const cursor = this.tx((e) => syncOps.credentials(e))!.cursor;
      const r = await call<PullAnswer>(me.serverUrl, 'GET', `/v1/ledgers/${me.ledgerId}/ops?after=${cursor}`, { token: me.deviceToken });
      this.paths.push(this.tx((e) => syncOps.pulled(e, r.body.ops)).path);
      if (!r.body.more) return;
    }
  }

  balances(): Map<string, bigint> {
    return localBalances(this.e);
  }

  history(player: string) {
    return ledgerOps.history(this.e, player, { limit: 1000 }).map((h) => [h.kind, h.amount, h.gameId]);
  }
}

async function joinedPair(): Promise<{ owner: Device; member: Device; api: DeviceClient }> {
  const api = await DeviceClient.create(server.url);
  const memberApi = await api.invite('member');
  const owner = await Device.open();
  const member = await Device.open();
  owner.tx((e) => syncOps.join(e, api.joined, server.url));
  member.tx((e) => syncOps.join(e, memberApi.joined, server.url));
  return { owner, member, api };
}

describe('device sync', () => {
  // The worker loads the protocol's checks beside a cold open (api.ts); here, before any write.
  beforeAll(() => loadOpChecks());

  it('numbers ops without gaps, queues nothing refused or replayed, and keeps a member from minting', async () => {
    const { owner, member } = await joinedPair();
    owner.write('createPlayer', 'ann', 100n);
    owner.write('createPlayer', 'bo', 0n);
    expect(owner.refused('transfer', 'ann', 'bo', 101n)).toBe('INSUFFICIENT_FUNDS');
    expect(owner.refused('transfer', 'ann', 'ann', 1n)).toBe('INVALID_ARGUMENT');
    const first = owner.write('transfer', 'ann', 'bo', 10n, { idempotencyKey: 'tap-00042' }) as { replayed: boolean };
    const again = owner.write('transfer', 'ann', 'bo', 10n, { idempotencyKey: 'tap-00042' }) as { replayed: boolean };
    expect([first.replayed, again.replayed]).toEqual([false, true]);
    const game = owner.write('createGame') as string;
    expect(owner.tx((e) => syncOps.outbox(e)).map((p) => [p.deviceSeq, p.op.type])).toEqual([
      [1, 'createPlayer'],
      [2, 'createPlayer'],
      [3, 'transfer'],
      [4, 'createGame'],
    ]);
    expect(owner.tx((e) => syncOps.outbox(e))[3]!.op).toEqual({ type: 'createGame', game });
    expect(member.refused('createPlayer', 'cy', 5n)).toBe('FORBIDDEN');
    expect(member.refused('setBalance', 'cy', 5n)).toBe('FORBIDDEN');
    member.write('createPlayer', 'cy', 0n); // no minting: allowed
    await owner.sync();
    await member.sync();
    await owner.sync();
    expect(owner.paths).toEqual(['prefix', 'on-top']);
    expect(member.balances()).toEqual(owner.balances());
    expect(owner.tx((e) => syncOps.state(e))).toMatchObject({ pending: [], rejections: [], cursor: '5' });
  });

  it('two offline devices converge on the log; the losing spend is rejected, kept with its reason, and out of the books', async () => {
    const { owner, member, api } = await joinedPair();
    owner.write('createPlayer', 'ann', 100n);
    owner.write('createPlayer', 'bo', 50n);
    await owner.sync();
    await member.sync();
    owner.write('transfer', 'ann', 'bo', 70n);
    member.write('transfer', 'ann', 'bo', 60n); // spends the same tokens
    member.write('transfer', 'bo', 'ann', 5n);
    member.write('createGame', { id: 'table-1' });
    member.write('recordBet', 'table-1', 'bo', 20n);
    await owner.sync();
    await member.sync(); // its spend is rejected: the books are rebuilt without it
    await owner.sync();
    const state = member.tx((e) => syncOps.state(e));
    expect(state.rejections).toEqual([expect.objectContaining({ reason: 'INSUFFICIENT_FUNDS', message: 'player ann has 30, cannot pay 60', op: { type: 'transfer', from: 'ann', to: 'bo', amount: '60' } })]);
    expect(state.pending).toEqual([]);
    expect(member.paths).toContain('rebuilt');
    const canonical = await replay(await api.log());
    expect(owner.balances()).toEqual(localBalances(canonical));
    expect(member.balances()).toEqual(localBalances(canonical));
    expect(Object.fromEntries(member.balances())).toMatchObject({ 'player:ann': 35n, 'player:bo': 95n, 'pot:table-1': 20n, 'house:house': -150n });
    for (const p of ['ann', 'bo']) expect(member.history(p)).toEqual(owner.history(p));
  });

  it('keeps a pending op that no longer applies queued but out of the books, until the server decides', async () => {
    const { owner, member } = await joinedPair();
    owner.write('createPlayer', 'ann', 10n);
    owner.write('createPlayer', 'bo', 0n);
    await owner.sync();
    await member.sync();
    member.write('transfer', 'ann', 'bo', 10n); // offline
    owner.write('transfer', 'ann', 'bo', 4n);
    await owner.sync();
    // The member pulls before pushing: the canonical spend comes first, its own no longer fits.
    const me = member.tx((e) => syncOps.credentials(e))!;
    const r = await call<PullAnswer>(server.url, 'GET', `/v1/ledgers/${me.ledgerId}/ops?after=${me.cursor}`, { token: me.deviceToken });
    expect(member.tx((e) => syncOps.pulled(e, r.body.ops)).path).toBe('rebuilt');
    expect(member.tx((e) => syncOps.state(e)).pending).toEqual([expect.objectContaining({ deviceSeq: 1, inBooks: false })]);
    expect(Object.fromEntries(member.balances())).toMatchObject({ 'player:ann': 6n, 'player:bo': 4n });
    await member.sync();
    expect(member.tx((e) => syncOps.state(e))).toMatchObject({ pending: [], rejections: [{ reason: 'INSUFFICIENT_FUNDS' }] });
    expect(member.balances()).toEqual(owner.balances());
  });

  it('plays the craps table on a shared ledger: wagers and rolls reach the other device and survive a rebuild; only an owner has the house cover', async () => {
    const { owner, member } = await joinedPair();
    owner.write('createPlayer', 'ann', 100n);
    owner.write('createPlayer', 'bo', 100n);
    owner.write('createGame', { id: 'craps-1' });
    owner.write('recordBet', 'craps-1', 'ann', 10n, { wager: 'pass' });
    await owner.sync();
    await member.sync();
    member.write('recordBet', 'craps-1', 'bo', 10n, { wager: 'dontPass' });
    member.write('recordRoll', 'craps-1', 4, 2); // a point of 6
    owner.write('transfer', 'ann', 'bo', 1n); // meanwhile: the member's pull is not a prefix, so it rebuilds
    await owner.sync();
    await member.sync();
    expect(member.paths.at(-1)).toBe('rebuilt');
    member.write('recordRoll', 'craps-1', 5, 1); // the point
    // Paying beyond the pot of 20 mints: a member may not have the house cover it.
    expect(member.refused('settleGame', 'craps-1', { ann: 30n }, { houseCovers: true })).toBe('FORBIDDEN');
    await member.sync();
    await owner.sync();
    const seen = owner.tx((e) => ledgerOps.game(e, 'craps-1'));
    expect(seen.bets.map((b) => [b.playerId, b.wager])).toEqual([['ann', 'pass'], ['bo', 'dontPass']]);
    expect(seen.rolls).toEqual([[4, 2], [5, 1]]);
    expect(member.tx((e) => ledgerOps.game(e, 'craps-1')).rolls).toEqual(seen.rolls);
    owner.write('settleGame', 'craps-1', { ann: 30n }, { houseCovers: true });
    await owner.sync();
    await member.sync();
    expect(member.balances()).toEqual(owner.balances());
    expect(Object.fromEntries(owner.balances())).toMatchObject({ 'player:ann': 119n, 'player:bo': 91n, 'pot:craps-1': 0n, 'house:house': -210n });
  });

  it('joins only an empty ledger, and only once', async () => {
    const api = await DeviceClient.create(server.url);
    const device = await Device.open();
    device.write('createPlayer', 'local', 1n);
    // A ledger that never joined queues nothing: its writes are the plain ledger's.
    expect(device.tx((e) => [e.query(`SELECT count(*) AS n FROM sync_outbox`)[0]!.n, syncOps.state(e).joined])).toEqual([0, null]);
    expect(() => device.tx((e) => syncOps.join(e, api.joined, server.url))).toThrow(/only an empty ledger/);
    const fresh = await Device.open();
    fresh.tx((e) => syncOps.join(e, api.joined, server.url));
    const other: Joined = { ...api.joined, ledgerId: 'x' };
    expect(() => fresh.tx((e) => syncOps.join(e, other, server.url))).toThrow(/already shared/);
  });
});
