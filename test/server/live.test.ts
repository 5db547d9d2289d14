import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullAnswer } from '../../src/sync/protocol';
import { transact, txStats } from '../../server/db';
import { call, DeviceClient, startServer, type Server } from './harness';

let server: Server;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

function pull(d: DeviceClient, query: string) {
  return call<PullAnswer>(d.base, 'GET', `/v1/ledgers/${d.joined.ledgerId}/ops?${query}`, { token: d.joined.deviceToken });
}

describe('live: long-poll', () => {
  it('answers a waiting pull as soon as another device pushes', async () => {
    const owner = await DeviceClient.create(server.url);
    const other = await owner.invite();
    const started = Date.now();
    const waiting = pull(other, 'after=0&wait=20');
    await new Promise((r) => setTimeout(r, 300));
    await owner.push({ type: 'createPlayer', player: 'a', balance: '1' });
    const r = await waiting;
    const took = Date.now() - started;
    expect(r.status).toBe(200);
    expect(r.body.ops.map((o) => o.op)).toEqual([{ type: 'createPlayer', player: 'a', balance: '1' }]);
    expect(r.body.ops[0]).toMatchObject({ seq: '1', deviceId: owner.joined.deviceId, deviceSeq: 1 });
    // Woken by NOTIFY, not by the 5 s recheck or the 20 s deadline.
    expect(took).toBeGreaterThanOrEqual(300);
    expect(took).toBeLessThan(2000);
  });

  it('wakes by rechecking the log when there is no NOTIFY (as on CockroachDB)', async () => {
    const quiet = await startServer({ notify: false, recheckMs: 200 });
    try {
      const owner = await DeviceClient.create(quiet.url);
      const waiting = pull(owner, 'after=0&wait=10');
      await new Promise((r) => setTimeout(r, 100));
      await owner.push({ type: 'createGame', game: 'g' });
      const started = Date.now();
      const r = await waiting;
      expect(r.body.ops).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      await quiet.close();
    }
  });

  it('returns nothing new after the wait, and at once with wait=0', async () => {
    const owner = await DeviceClient.create(server.url);
    await owner.push({ type: 'createGame', game: 'g' });
    let t = Date.now();
    expect((await pull(owner, 'after=1&wait=0')).body).toEqual({ ops: [], head: '1', more: false });
    expect(Date.now() - t).toBeLessThan(500);
    t = Date.now();
    expect((await pull(owner, 'after=1&wait=1')).body).toEqual({ ops: [], head: '1', more: false });
    expect(Date.now() - t).toBeGreaterThanOrEqual(950);
  });

  it('pages the log with limit and more', async () => {
    const owner = await DeviceClient.create(server.url);
    await owner.push(...Array.from({ length: 5 }, (_, i) => ({ type: 'createGame' as const, game: `g${i}` })));
    const page = await pull(owner, 'after=1&limit=2');
    expect(page.body.ops.map((o) => o.seq)).toEqual(['2', '3']);
    expect(page.body).toMatchObject({ head: '5', more: true });
    expect((await pull(owner, 'after=3&limit=2')).body.more).toBe(false);
  });
});

describe('concurrency', () => {
  it('retries a serialization failure (40001) and runs the transaction again', async () => {
    await server.sql`CREATE TABLE IF NOT EXISTS retry_probe (id int PRIMARY KEY, n int NOT NULL)`;
    await server.sql`INSERT INTO retry_probe VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET n = 0`;
    const retriesBefore = txStats.retries;
    let firstRead!: () => void;
    const bothRead = new Promise<void>((r) => (firstRead = r));
    let attempts = 0;
    // Two increments that both read before either writes: SERIALIZABLE must fail one of them, and the retry must redo it.
    const slow = transact(server.sql, async (tx) => {
      attempts++;
      const [row] = await tx<{ n: number }[]>`SELECT n FROM retry_probe WHERE id = 1`;
      if (attempts === 1) await bothRead;
      await tx`UPDATE retry_probe SET n = ${row!.n + 1} WHERE id = 1`;
    });
    const fast = transact(server.sql, async (tx) => {
      const [row] = await tx<{ n: number }[]>`SELECT n FROM retry_probe WHERE id = 1`;
      await new Promise((r) => setTimeout(r, 50));
      await tx`UPDATE retry_probe SET n = ${row!.n + 1} WHERE id = 1`;
      firstRead();
    });
    await Promise.all([slow, fast]);
    expect((await server.sql`SELECT n FROM retry_probe WHERE id = 1`)[0]!.n).toBe(2);
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(txStats.retries).toBeGreaterThan(retriesBefore);
    await server.sql`DROP TABLE retry_probe`;
  });

  it('serialises concurrent pushes to one ledger into one gap-free log', async () => {
    const owner = await DeviceClient.create(server.url);
    const devices = [owner, ...(await Promise.all([1, 2, 3].map(() => owner.invite())))];
    await owner.push({ type: 'createPlayer', player: 'a', balance: '100' }, { type: 'createPlayer', player: 'b', balance: '0' });
    const spend = { type: 'transfer' as const, from: 'a', to: 'b', amount: '9' };
    const queues = devices.map((d) => d.pending(spend, spend, spend));
    // Every op of every device at once: a device's own ops may overtake each other and get SEQUENCE_GAP (409)...
    const answers = await Promise.all(devices.flatMap((d, i) => queues[i]!.map((p) => d.send([p]))));
    expect(answers.every((a) => a.status === 200 || (a.status === 409 && (a.body as unknown as { error: string }).error === 'SEQUENCE_GAP'))).toBe(true);
    // ...so each device sends its whole queue again, in order: what was applied is answered again, the rest applies.
    const final = await Promise.all(devices.map((d, i) => d.send(queues[i]!)));
    expect(final.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const log = await owner.log();
    expect(log.map((o) => o.seq)).toEqual(log.map((_, i) => String(i + 1)));
    const transfers = log.filter((o) => o.op.type === 'transfer');
    expect(transfers).toHaveLength(11); // 11 × 9 = 99 <= 100; the 12th is INSUFFICIENT_FUNDS
    expect(await owner.audit()).toMatchObject({ ok: true, totalSupply: '100' });
  });
});

describe('shutdown', () => {
  it('answers waiting long-polls at once when the server closes', async () => {
    const own = await startServer();
    const owner = await DeviceClient.create(own.url);
    const waiting = pull(owner, 'after=0&wait=30');
    await new Promise((r) => setTimeout(r, 200));
    const t = Date.now();
    await own.close();
    const r = await waiting;
    expect(r.body).toEqual({ ops: [], head: '0', more: false });
    expect(Date.now() - t).toBeLessThan(3000);
  });
});
