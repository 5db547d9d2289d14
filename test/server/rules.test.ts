import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerOps } from '../../src/ledger/operations';
import { DeviceClient, localBalances, replay, serverBalances, startServer, type Server } from './harness';

let server: Server;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('the server applies the ledger rules', () => {
  it('keeps double entry through opening, transfer, bet and settle', async () => {
    const owner = await DeviceClient.create(server.url);
    const a = await owner.push(
      { type: 'createPlayer', player: 'alice', balance: '1000' },
      { type: 'createPlayer', player: 'bob', balance: '500' },
      { type: 'transfer', from: 'alice', to: 'bob', amount: '250' },
      { type: 'createGame', game: 'g1' },
      { type: 'recordBet', game: 'g1', player: 'alice', amount: '100' },
      { type: 'recordBet', game: 'g1', player: 'bob', amount: '300' },
      { type: 'settleGame', game: 'g1', payouts: [{ player: 'bob', amount: '380' }] },
    );
    expect(a.results.map((r) => r.status)).toEqual(Array(7).fill('applied'));
    expect(a.results.map((r) => r.status === 'applied' && r.seq)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(a.head).toBe('7');
    const books = await serverBalances(server.sql, owner.joined.ledgerId);
    expect(Object.fromEntries(books)).toEqual({ 'house:house': -1500n + 20n, 'player:alice': 650n, 'player:bob': 830n, 'pot:g1': 0n });
    const [entries] = await server.sql`SELECT count(*)::int AS n, sum(amount)::text AS total FROM entry WHERE ledger_id = ${owner.joined.ledgerId}`;
    expect(entries).toEqual({ n: 13, total: '0' });
    expect(await owner.audit()).toEqual({ ok: true, problems: [], totalSupply: '1480', head: '7' });
  });

  it('rejects what the authoritative state refuses, with a reason, and changes nothing for it', async () => {
    const owner = await DeviceClient.create(server.url);
    await owner.push({ type: 'createPlayer', player: 'a', balance: '100' }, { type: 'createPlayer', player: 'b', balance: '0' }, { type: 'createGame', game: 'g' });
    const before = await serverBalances(server.sql, owner.joined.ledgerId);
    const r = await owner.push(
      { type: 'transfer', from: 'a', to: 'b', amount: '101' },
      { type: 'transfer', from: 'a', to: 'nobody', amount: '1' },
      { type: 'createPlayer', player: 'a', balance: '5' },
      { type: 'createGame', game: 'g' },
      { type: 'recordBet', game: 'nope', player: 'a', amount: '1' },
      { type: 'recordBet', game: 'g', player: 'b', amount: '1' },
      { type: 'settleGame', game: 'g', payouts: [{ player: 'a', amount: '1' }] },
      { type: 'createPlayer', player: 'rich', balance: '9223372036854775807' },
    );
    expect(r.results.map((x) => (x.status === 'rejected' ? x.reason : x.status))).toEqual([
      'INSUFFICIENT_FUNDS',
      'NOT_FOUND',
      'ALREADY_EXISTS',
      'ALREADY_EXISTS',
      'NOT_FOUND',
      'INSUFFICIENT_FUNDS',
      'PAYOUT_EXCEEDS_POT',
      'OVERFLOW',
    ]);
    expect(r.head).toBe('3');
    expect(await serverBalances(server.sql, owner.joined.ledgerId)).toEqual(before);
    // A settled game takes no more bets and cannot be settled twice.
    const s = await owner.push(
      { type: 'settleGame', game: 'g', payouts: [] },
      { type: 'recordBet', game: 'g', player: 'a', amount: '1' },
      { type: 'settleGame', game: 'g', payouts: [] },
    );
    expect(s.results.map((x) => (x.status === 'rejected' ? x.reason : x.status))).toEqual(['applied', 'GAME_SETTLED', 'GAME_SETTLED']);
    expect((await owner.audit()).ok).toBe(true);
  });

  it('carries the craps table: wagers and rolls reach every device; the house covers winners only for an owner', async () => {
    const owner = await DeviceClient.create(server.url);
    const member = await owner.invite();
    await owner.push(
      { type: 'createPlayer', player: 'ann', balance: '100' },
      { type: 'createPlayer', player: 'ben', balance: '100' },
      { type: 'createGame', game: 't1' },
      { type: 'recordBet', game: 't1', player: 'ann', amount: '10', wager: 'pass' },
      { type: 'recordBet', game: 't1', player: 'ben', amount: '10', wager: 'dontPass' },
    );
    const rolls = await member.push({ type: 'recordRoll', game: 't1', die1: 3, die2: 1 }, { type: 'recordRoll', game: 'nope', die1: 1, die2: 1 });
    expect(rolls.results.map((x) => (x.status === 'rejected' ? x.reason : x.status))).toEqual(['applied', 'NOT_FOUND']);
    // Ann wins even money: 20 from a pot of 20 is fine, 30 is not without the house, and the house covering mints.
    const pay = [{ player: 'ann', amount: '20' }, { player: 'ben', amount: '10' }];
    const byMember = await member.push({ type: 'settleGame', game: 't1', payouts: pay, houseCovers: true });
    expect(byMember.results[0]).toMatchObject({ status: 'rejected', reason: 'FORBIDDEN' });
    const withoutCover = await owner.push({ type: 'settleGame', game: 't1', payouts: pay });
    expect(withoutCover.results[0]).toMatchObject({ status: 'rejected', reason: 'PAYOUT_EXCEEDS_POT' });
    const covered = await owner.push({ type: 'settleGame', game: 't1', payouts: pay, houseCovers: true });
    expect(covered.results[0]).toMatchObject({ status: 'applied' });
    expect(await member.push({ type: 'recordRoll', game: 't1', die1: 6, die2: 6 }).then((r) => r.results[0])).toMatchObject({ status: 'rejected', reason: 'GAME_SETTLED' });
    const audit = await owner.audit();
    expect(audit).toMatchObject({ ok: true, totalSupply: '210' });
    // Every device replays the log to the same books, with the wagers and the rolls.
    const local = await replay(await member.log());
    expect(Object.fromEntries(localBalances(local))).toEqual(Object.fromEntries(await serverBalances(server.sql, owner.joined.ledgerId)));
    const game = ledgerOps.game(local, 't1');
    expect(game.bets.map((b) => b.wager)).toEqual(['pass', 'dontPass']);
    expect(game.rolls).toEqual([[3, 1]]);
    expect(ledgerOps.audit(local)).toMatchObject({ ok: true, totalSupply: 210n });
  });

  it('lets the first spender win when two devices spend the same funds', async () => {
    const phone = await DeviceClient.create(server.url);
    const laptop = await phone.invite();
    await phone.push({ type: 'createPlayer', player: 'p', balance: '100' }, { type: 'createPlayer', player: 'q', balance: '0' });
    // Both applied the spend locally while offline; the server sees the phone's first.
    const first = await phone.push({ type: 'transfer', from: 'p', to: 'q', amount: '80' });
    const second = await laptop.push({ type: 'transfer', from: 'p', to: 'q', amount: '30' });
    expect(first.results[0]).toMatchObject({ status: 'applied' });
    expect(second.results[0]).toMatchObject({ status: 'rejected', reason: 'INSUFFICIENT_FUNDS', message: 'player p has 20, cannot pay 30' });
    expect((await phone.audit()).totalSupply).toBe('100');
  });

  it('caps the total supply at 2^63-1 and burns back to the house with setBalance', async () => {
    const owner = await DeviceClient.create(server.url);
    const max = (2n ** 63n - 1n).toString();
    const r = await owner.push(
      { type: 'createPlayer', player: 'a', balance: max },
      { type: 'createPlayer', player: 'b', balance: '1' },
      { type: 'setBalance', player: 'a', balance: '10' },
      { type: 'createPlayer', player: 'c', balance: '5' },
      { type: 'setBalance', player: 'a', balance: '10' },
    );
    expect(r.results.map((x) => (x.status === 'rejected' ? x.reason : x.status))).toEqual(['applied', 'OVERFLOW', 'applied', 'applied', 'applied']);
    expect(await owner.audit()).toMatchObject({ ok: true, totalSupply: '15' });
  });
});

describe('idempotent push', () => {
  it('applies a retried push once and answers with the first outcomes', async () => {
    const owner = await DeviceClient.create(server.url);
    await owner.push({ type: 'createPlayer', player: 'a', balance: '10' }, { type: 'createPlayer', player: 'b', balance: '0' });
    const batch = owner.pending({ type: 'transfer', from: 'a', to: 'b', amount: '7' }, { type: 'transfer', from: 'a', to: 'b', amount: '7' });
    const first = await owner.send(batch);
    // The answer was "lost": the device sends the very same ops again, twice, and once with a newer op appended.
    const again = await owner.send(batch);
    const third = await Promise.all([owner.send(batch), owner.send(batch)]);
    expect(first.status).toBe(200);
    expect(again.body).toEqual(first.body);
    for (const t of third) expect(t.body).toEqual(first.body);
    expect(first.body.results.map((x) => x.status)).toEqual(['applied', 'rejected']);
    const more = await owner.send([...batch, ...owner.pending({ type: 'transfer', from: 'b', to: 'a', amount: '1' })]);
    expect(more.body.results.map((x) => x.status)).toEqual(['applied', 'rejected', 'applied']);
    expect(Object.fromEntries(await serverBalances(server.sql, owner.joined.ledgerId))).toMatchObject({ 'player:a': 4n, 'player:b': 6n });
    expect(await owner.log()).toHaveLength(4);
  });

  it('refuses a gap in the device sequence and a key or deviceSeq reused for another op, changing nothing', async () => {
    const owner = await DeviceClient.create(server.url);
    await owner.push({ type: 'createPlayer', player: 'a', balance: '10' }, { type: 'createPlayer', player: 'b', balance: '0' });
    const gap = await owner.send([{ deviceSeq: 5, key: 'gap-key-1', op: { type: 'transfer', from: 'a', to: 'b', amount: '1' } }]);
    expect(gap).toMatchObject({ status: 409, body: { error: 'SEQUENCE_GAP', expectedDeviceSeq: 3 } });
    const reusedSeq = await owner.send([{ deviceSeq: 1, key: `${owner.joined.deviceId}:1`, op: { type: 'createPlayer', player: 'a', balance: '11' } }]);
    expect(reusedSeq).toMatchObject({ status: 409, body: { error: 'IDEMPOTENCY_CONFLICT' } });
    const other = await owner.invite();
    const reusedKey = await other.send([{ deviceSeq: 1, key: `${owner.joined.deviceId}:1`, op: { type: 'createGame', game: 'x' } }]);
    expect(reusedKey).toMatchObject({ status: 409, body: { error: 'IDEMPOTENCY_CONFLICT' } });
    expect(await owner.log()).toHaveLength(2);
    expect(Object.fromEntries(await serverBalances(server.sql, owner.joined.ledgerId))).toMatchObject({ 'player:a': 10n, 'player:b': 0n });
  });
});

describe('server audit and local audit', () => {
  it('agree on the same ops: the canonical log replayed into a local ledger gives the same books', async () => {
    const owner = await DeviceClient.create(server.url);
    const member = await owner.invite();
    await owner.push(...['a', 'b', 'c'].map((p) => ({ type: 'createPlayer' as const, player: p, balance: '1000' })));
    await member.push({ type: 'createGame', game: 'g1' }, { type: 'recordBet', game: 'g1', player: 'a', amount: '400' }, { type: 'recordBet', game: 'g1', player: 'b', amount: '250' });
    await owner.push({ type: 'transfer', from: 'c', to: 'a', amount: '999' }, { type: 'setBalance', player: 'b', balance: '77' });
    await member.push({ type: 'settleGame', game: 'g1', payouts: [{ player: 'c', amount: '600' }, { player: 'b', amount: '0' }] });
    await member.push({ type: 'transfer', from: 'c', to: 'a', amount: '999' }); // rejected: c spent it
    const local = await replay(await member.log());
    const serverAudit = await owner.audit();
    const localAudit = ledgerOps.audit(local);
    expect(serverAudit).toEqual({ ok: true, problems: [], totalSupply: localAudit.totalSupply.toString(), head: '9' });
    expect(localAudit.ok).toBe(true);
    expect(localBalances(local)).toEqual(await serverBalances(server.sql, owner.joined.ledgerId));
  });

  it('both name the same tampering', async () => {
    const owner = await DeviceClient.create(server.url);
    await owner.push({ type: 'createPlayer', player: 'a', balance: '10' });
    const local = await replay(await owner.log());
    // The same silent corruption on both sides: a cached balance no entry explains.
    await server.sql`UPDATE account SET balance = balance + 5 WHERE ledger_id = ${owner.joined.ledgerId} AND ref = 'a'`;
    local.begin();
    local.run(`UPDATE account SET balance = balance + 5 WHERE ref = 'a'`);
    local.commit();
    const s = await owner.audit();
    const l = ledgerOps.audit(local);
    expect(s.ok).toBe(false);
    expect(s.problems).toEqual(l.problems);
    expect(s.problems).toContain('player a: cached balance 15 differs from the sum of its entries 10');
  });
});
