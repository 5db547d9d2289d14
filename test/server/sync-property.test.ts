/**
 * Random op sequences from two devices (an owner and a member), pushed in
 * random batches: the server must accept exactly what the local ledger
 * accepts in the same order (minting by a member aside, which only the
 * server forbids), and the canonical log, replayed into a fresh local
 * ledger, must give the server's books and an audit that agrees with the
 * server's.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ledgerOps } from '../../src/ledger/operations';
import { OpSchema, type Op } from '../../src/sync/protocol';
import { applyInTx, DeviceClient, localBalances, localLedger, replay, serverBalances, startServer, type Server } from './harness';

let server: Server;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const player = fc.constantFrom('p0', 'p1', 'p2', 'p3');
const game = fc.constantFrom('g0', 'g1');
// Mostly small amounts, so that balances run out exactly; now and then one near 2^63, so that the supply cap is hit.
const amount = fc.oneof({ arbitrary: fc.bigInt({ min: 0n, max: 20n }), weight: 9 }, { arbitrary: fc.bigInt({ min: 2n ** 61n, max: 2n ** 63n - 1n }), weight: 1 }).map(String);
const positive = fc.oneof({ arbitrary: fc.bigInt({ min: 1n, max: 20n }), weight: 9 }, { arbitrary: fc.bigInt({ min: 2n ** 62n, max: 2n ** 63n - 1n }), weight: 1 }).map(String);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant('createPlayer' as const), player, balance: amount }),
  fc.record({ type: fc.constant('setBalance' as const), player, balance: amount }),
  fc.record({ type: fc.constant('transfer' as const), from: player, to: player, amount: positive }).filter((t) => t.from !== t.to),
  fc.record({ type: fc.constant('createGame' as const), game }),
  fc.record({ type: fc.constant('recordBet' as const), game, player, amount: positive }),
  fc.record({
    type: fc.constant('settleGame' as const),
    game,
    payouts: fc.uniqueArray(fc.record({ player, amount: fc.bigInt({ min: 0n, max: 30n }).map(String) }), { selector: (p) => p.player, maxLength: 2 }),
  }),
);
const step = fc.record({ byOwner: fc.boolean(), ops: fc.array(op, { minLength: 1, maxLength: 4, size: 'max' }) });

function mints(o: Op): boolean {
  return o.type === 'setBalance' || (o.type === 'createPlayer' && o.balance !== '0');
}

it('the server accepts what the local ledger accepts, and the log rebuilds its books', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.bigInt({ min: 0n, max: 30n }), { minLength: 3, maxLength: 3 }), fc.array(step, { minLength: 1, maxLength: 12, size: 'max' }), async (opening, steps) => {
      const owner = await DeviceClient.create(server.url);
      // Most players exist from the start, so that most ops reach the balance checks.
      steps.unshift({ byOwner: true, ops: opening.map((b, i) => ({ type: 'createPlayer', player: `p${i}`, balance: String(b) })) });
      const member = await owner.invite();
      // The books as the server should have them: the same ops, applied locally in the order the server saw them.
      const mirror = await localLedger();
      for (const s of steps) {
        for (const o of s.ops) expect(OpSchema.safeParse(o).success).toBe(true);
        const device = s.byOwner ? owner : member;
        const pending = device.pending(...s.ops);
        const answer = await device.send(pending);
        expect(answer.status).toBe(200);
        answer.body.results.forEach((result, i) => {
          const p = pending[i]!;
          if (!s.byOwner && mints(p.op)) {
            expect(result).toMatchObject({ status: 'rejected', reason: 'FORBIDDEN' });
            return;
          }
          const refused = applyInTx(mirror, p.op, p.key);
          const context = `${JSON.stringify(p.op)} → server ${JSON.stringify(result)}, local ${refused ?? 'ok'}`;
          expect(result.status, context).toBe(refused === undefined ? 'applied' : 'rejected');
        });
      }
      const log = await member.log();
      const rebuilt = await replay(log);
      const books = await serverBalances(server.sql, owner.joined.ledgerId);
      expect(localBalances(rebuilt)).toEqual(books);
      expect(localBalances(mirror)).toEqual(books);
      const local = ledgerOps.audit(rebuilt);
      expect(local.ok, local.problems.join('\n')).toBe(true);
      expect(await owner.audit()).toEqual({ ok: true, problems: [], totalSupply: String(local.totalSupply), head: String(log.length) });
      rebuilt.close();
      mirror.close();
    }),
    { numRuns: Number(process.env.SYNC_FC_RUNS ?? 20) },
  );
  // A run takes about 0.3 s alone; on a busy 2-core machine next to the other suites, several times that.
}, 120_000);
