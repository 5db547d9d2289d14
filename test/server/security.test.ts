import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PUSH_OPS } from '../../src/sync/protocol';
import { call, DeviceClient, serverBalances, startServer, type Server } from './harness';

let server: Server;
let owner: DeviceClient;
let member: DeviceClient;
let stranger: DeviceClient; // the owner of another ledger

beforeAll(async () => {
  server = await startServer();
  owner = await DeviceClient.create(server.url);
  member = await owner.invite('member');
  stranger = await DeviceClient.create(server.url);
  await owner.push({ type: 'createPlayer', player: 'a', balance: '100' }, { type: 'createPlayer', player: 'b', balance: '0' }, { type: 'createGame', game: 'g' });
  await stranger.push({ type: 'createPlayer', player: 'a', balance: '5' });
});
afterAll(() => server.close());

/** Everything a request could have changed: both ledgers' books, logs and device sequences. */
async function state() {
  const devices = await server.sql`SELECT id, last_seq FROM device ORDER BY id`;
  const [counts] = await server.sql`SELECT (SELECT count(*) FROM op)::int AS ops, (SELECT count(*) FROM entry)::int AS entries, (SELECT count(*) FROM ledger)::int AS ledgers,
    (SELECT count(*) FROM device)::int AS devices, (SELECT count(*) FROM invite)::int AS invites`;
  return {
    mine: Object.fromEntries(await serverBalances(server.sql, owner.joined.ledgerId)),
    theirs: Object.fromEntries(await serverBalances(server.sql, stranger.joined.ledgerId)),
    devices: devices.map((d) => `${d.id}:${d.last_seq}`),
    counts,
  };
}

const ledgerPath = () => `/v1/ledgers/${owner.joined.ledgerId}`;
const transfer = { type: 'transfer', from: 'a', to: 'b', amount: '1' };

describe('authentication and authorisation', () => {
  it('needs a valid device token for every ledger endpoint', async () => {
    const before = await state();
    for (const [method, path, body] of [
      ['POST', `${ledgerPath()}/push`, { ops: [{ deviceSeq: 1, key: 'k-0000001', op: transfer }] }],
      ['GET', `${ledgerPath()}/ops`, undefined],
      ['GET', `${ledgerPath()}/audit`, undefined],
      ['POST', `${ledgerPath()}/invites`, {}],
    ] as const) {
      for (const token of [undefined, 'x'.repeat(43), owner.joined.deviceToken.slice(0, -1) + '!', `${owner.joined.deviceToken}x`]) {
        const r = await call(server.url, method, path, { ...(token ? { token } : {}), ...(body ? { body } : {}) });
        expect(r.status, `${method} ${path} with ${token}`).toBe(401);
        expect(r.body).toMatchObject({ error: 'UNAUTHORIZED' });
      }
    }
    expect(await state()).toEqual(before);
  });

  it('keeps a device of ledger B out of ledger A, for reading and writing', async () => {
    const before = await state();
    const token = stranger.joined.deviceToken;
    const push = await call(server.url, 'POST', `${ledgerPath()}/push`, { token, body: { ops: [{ deviceSeq: 2, key: 'k-0000002', op: transfer }] } });
    const pull = await call(server.url, 'GET', `${ledgerPath()}/ops`, { token });
    const audit = await call(server.url, 'GET', `${ledgerPath()}/audit`, { token });
    const invite = await call(server.url, 'POST', `${ledgerPath()}/invites`, { token, body: {} });
    for (const r of [push, pull, audit, invite]) expect(r).toMatchObject({ status: 403, body: { error: 'FORBIDDEN' } });
    expect(JSON.stringify([pull.body, audit.body])).not.toContain('"a"');
    expect(await state()).toEqual(before);
  });

  it('refuses an invite for another ledger, a used one and a made-up one', async () => {
    const inv = await call<{ invite: string }>(server.url, 'POST', `/v1/ledgers/${stranger.joined.ledgerId}/invites`, { token: stranger.joined.deviceToken, body: {} });
    const elsewhere = await call(server.url, 'POST', `${ledgerPath()}/join`, { body: { invite: inv.body.invite } });
    expect(elsewhere).toMatchObject({ status: 401, body: { error: 'UNAUTHORIZED' } });
    const ok = await call(server.url, 'POST', `/v1/ledgers/${stranger.joined.ledgerId}/join`, { body: { invite: inv.body.invite } });
    expect(ok.status).toBe(201);
    const twice = await call(server.url, 'POST', `/v1/ledgers/${stranger.joined.ledgerId}/join`, { body: { invite: inv.body.invite } });
    expect(twice.status).toBe(401);
    const madeUp = await call(server.url, 'POST', `${ledgerPath()}/join`, { body: { invite: 'A'.repeat(43) } });
    expect(madeUp.status).toBe(401);
  });

  it('stores only hashes of device tokens and invites', async () => {
    const rows = await server.sql`SELECT token_hash FROM device UNION ALL SELECT token_hash FROM invite`;
    const text = (rows: unknown) => JSON.stringify(rows, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    const all = text(await server.sql`SELECT * FROM device`) + text(await server.sql`SELECT * FROM invite`);
    expect(rows.length).toBeGreaterThan(3);
    expect(all).not.toContain(owner.joined.deviceToken);
    expect(all).not.toContain(member.joined.deviceToken);
  });
});

describe('minting only from the house, by an owner', () => {
  it('rejects an opening balance or setBalance from a member, and lets an owner grant the role', async () => {
    const r = await member.push(
      { type: 'createPlayer', player: 'm1', balance: '50' },
      { type: 'setBalance', player: 'a', balance: '1000000' },
      { type: 'createPlayer', player: 'm2', balance: '0' },
    );
    expect(r.results.map((x) => (x.status === 'rejected' ? x.reason : x.status))).toEqual(['FORBIDDEN', 'FORBIDDEN', 'applied']);
    expect((await call(server.url, 'POST', `${ledgerPath()}/invites`, { token: member.joined.deviceToken, body: { role: 'owner' } })).status).toBe(403);
    const second = await owner.invite('owner');
    const minted = await second.push({ type: 'createPlayer', player: 'o2', balance: '7' });
    expect(minted.results[0]).toMatchObject({ status: 'applied' });
    expect(await owner.audit()).toMatchObject({ ok: true, totalSupply: '107' });
  });
});

describe('hostile and malformed requests get a clear 4xx and change nothing', () => {
  const op = (o: unknown, extra: Record<string, unknown> = {}) => ({ ops: [{ deviceSeq: member.nextSeq, key: 'hostile-key-1', op: o, ...extra }] });
  const cases: [string, () => unknown, number][] = [
    ['an amount as a JSON number', () => op({ ...transfer, amount: 1 }), 400],
    ['an amount past 2^63-1', () => op({ ...transfer, amount: '9223372036854775808' }), 400],
    ['a negative amount', () => op({ ...transfer, amount: '-1' }), 400],
    ['a zero transfer', () => op({ ...transfer, amount: '0' }), 400],
    ['leading zeros', () => op({ ...transfer, amount: '01' }), 400],
    ['an exponent', () => op({ ...transfer, amount: '1e3' }), 400],
    ['a transfer to oneself', () => op({ ...transfer, to: 'a' }), 400],
    ['a NUL in an id', () => op({ ...transfer, to: 'b\u0000' }), 400],
    ['an id of 129 characters', () => op({ ...transfer, to: 'b'.repeat(129) }), 400],
    ['an unknown op type', () => op({ type: 'mint', player: 'a', amount: '5' }), 400],
    ['an extra field', () => op({ ...transfer, fee: '1' }), 400],
    ['an extra field on the pending op', () => op(transfer, { seq: 1 }), 400],
    ['a duplicate payout', () => op({ type: 'settleGame', game: 'g', payouts: [{ player: 'a', amount: '0' }, { player: 'a', amount: '0' }] }), 400],
    ['a short key', () => ({ ops: [{ deviceSeq: 1, key: 'k', op: transfer }] }), 400],
    ['deviceSeq 0', () => ({ ops: [{ deviceSeq: 0, key: 'hostile-key-2', op: transfer }] }), 400],
    ['deviceSeq as a string', () => ({ ops: [{ deviceSeq: '1', key: 'hostile-key-2', op: transfer }] }), 400],
    ['non-consecutive deviceSeqs', () => ({ ops: [{ deviceSeq: 9, key: 'hostile-key-3', op: transfer }, { deviceSeq: 11, key: 'hostile-key-4', op: transfer }] }), 400],
    ['no ops', () => ({ ops: [] }), 400],
    ['too many ops', () => ({ ops: Array.from({ length: MAX_PUSH_OPS + 1 }, (_, i) => ({ deviceSeq: i + 1, key: `many-key-${i}`, op: transfer })) }), 400],
    ['a __proto__ key', () => '{"ops":[],"__proto__":{"x":1}}', 400],
    ['broken JSON', () => '{"ops":[', 400],
    ['a body of 2 MB', () => JSON.stringify({ ops: [], pad: 'x'.repeat(2 * 1024 * 1024) }), 413],
    ['an SQL injection as an id', () => op({ ...transfer, to: "b'; DROP TABLE account; --" }), 200],
  ];
  for (const [name, body, status] of cases) {
    it(`refuses ${name}`, async () => {
      const before = await state();
      const r = await call<{ error?: string; results?: { status: string; reason?: string }[] }>(server.url, 'POST', `${ledgerPath()}/push`, { token: member.joined.deviceToken, body: body() });
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      if (status === 200) {
        // Parameterised SQL: the id is just an unknown player; the op is rejected, the tables are intact.
        expect(r.body.results).toEqual([expect.objectContaining({ status: 'rejected', reason: 'NOT_FOUND' })]);
        member.nextSeq++;
        expect((await state()).mine).toEqual(before.mine);
        return;
      }
      expect(r.body.error).toBe(status === 413 ? 'TOO_LARGE' : 'BAD_REQUEST');
      expect(await state()).toEqual(before);
    });
  }

  it('refuses a body that is not JSON, a bad query and an unknown route', async () => {
    const before = await state();
    const token = member.joined.deviceToken;
    const form = await call(server.url, 'POST', `${ledgerPath()}/push`, { token, body: 'ops=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
    for (const q of ['after=-1', 'after=abc', 'after=99999999999999999999', 'limit=0', 'limit=5000', 'wait=31', 'wait=1.5', 'x=1', 'after=1&after=2']) {
      const r = await call(server.url, 'GET', `${ledgerPath()}/ops?${q}`, { token });
      expect(r, q).toMatchObject({ status: 400, body: { error: 'BAD_REQUEST' } });
    }
    expect(await call(server.url, 'GET', `/v1/ledgers/not-a-uuid/ops`, { token })).toMatchObject({ status: 403 });
    expect(await call(server.url, 'DELETE', `${ledgerPath()}`, { token })).toMatchObject({ status: 404, body: { error: 'NOT_FOUND' } });
    expect(await state()).toEqual(before);
  });
});

describe('creating a ledger', () => {
  it('needs the create token when the server has one', async () => {
    const createToken = 'create-token-made-up-for-this-run-' + Math.random().toString(36).slice(2);
    const gated = await startServer({ createToken });
    try {
      expect((await call(gated.url, 'POST', '/v1/ledgers', { body: {} })).status).toBe(401);
      expect((await call(gated.url, 'POST', '/v1/ledgers', { body: {}, token: createToken + 'x' })).status).toBe(401);
      expect((await call(gated.url, 'POST', '/v1/ledgers', { body: { role: 'owner' }, token: createToken })).status).toBe(400);
      expect(await call(gated.url, 'POST', '/v1/ledgers', { body: {}, token: createToken })).toMatchObject({ status: 201, body: { role: 'owner' } });
    } finally {
      await gated.close();
    }
  });
});
