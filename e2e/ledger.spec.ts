/**
 * The BitCraps ledger through its public API (`openLedger`): exact bigint
 * balances, refusals that change nothing, idempotent retries, games, history,
 * durability across a reload, and random sequences checked against a model.
 */
import fc from 'fast-check';
import { command, games, Model, players as modelPlayers, type Command } from '../test/ledger-model';
import { decode, encode, type Encoded } from './codec';
import { expect, show, test, type LedgerMethod, type Ledgers, type Settled } from './ledger-driver';

test('players are created and a transfer moves exactly the amount', async ({ ledgers }) => {
  await ledgers.open('basic');
  await ledgers.call('basic', 'createPlayer', 'a', 1000n);
  await ledgers.call('basic', 'createPlayer', 'b', 1000n);
  const receipt = await ledgers.call('basic', 'transfer', 'a', 'b', 500n);
  expect(receipt.replayed).toBe(false);
  expect(receipt.id).toMatch(/^[0-9a-f]{32}$/);
  expect(await ledgers.balances('basic', ['a', 'b'])).toEqual([500n, 1500n]);
  expect(await ledgers.call('basic', 'audit')).toEqual({ ok: true, problems: [], totalSupply: 2000n });
});

test('a transfer beyond the balance fails with INSUFFICIENT_FUNDS and changes nothing', async ({ ledgers }) => {
  await ledgers.open('poor');
  await ledgers.call('poor', 'createPlayer', 'a', 1000n);
  await ledgers.call('poor', 'createPlayer', 'b', 1000n);
  const error = await ledgers.fail('poor', 'transfer', 'a', 'b', 1001n);
  expect(error).toMatchObject({ name: 'StoreError', code: 'INSUFFICIENT_FUNDS', instanceOfStoreError: true });
  expect(await ledgers.balances('poor', ['a', 'b'])).toEqual([1000n, 1000n]);
  expect(await ledgers.query('poor', `SELECT count(*) AS n FROM operation WHERE kind = 'transfer'`)).toEqual([{ n: 0 }]);
  expect(await ledgers.call('poor', 'audit')).toEqual({ ok: true, problems: [], totalSupply: 2000n });
});

test('a bet on a missing game fails and changes nothing', async ({ ledgers }) => {
  await ledgers.open('nogame');
  await ledgers.call('nogame', 'createPlayer', 'a', 100n);
  const error = await ledgers.fail('nogame', 'recordBet', 'missing', 'a', 10n);
  expect(['NOT_FOUND', 'CONSTRAINT']).toContain(error.code);
  expect(await ledgers.call('nogame', 'getBalance', 'a')).toBe(100n);
  expect(await ledgers.call('nogame', 'audit')).toEqual({ ok: true, problems: [], totalSupply: 100n });
});

test('a duplicate player fails with CONSTRAINT and keeps the first balance', async ({ ledgers }) => {
  await ledgers.open('dup');
  await ledgers.call('dup', 'createPlayer', 'a', 7n);
  const error = await ledgers.fail('dup', 'createPlayer', 'a', 9n);
  expect(error).toMatchObject({ name: 'StoreError', code: 'CONSTRAINT' });
  expect(await ledgers.call('dup', 'getBalance', 'a')).toBe(7n);
  expect(await ledgers.call('dup', 'audit')).toEqual({ ok: true, problems: [], totalSupply: 7n });
});

test('10 concurrent tasks of 100 transfers around a ring keep the books exact', async ({ ledgers }) => {
  test.setTimeout(180_000);
  await ledgers.open('ring');
  const ring = Array.from({ length: 10 }, (_, i) => `p${i}`);
  for (const p of ring) await ledgers.call('ring', 'createPlayer', p, 1000n);

  // Task i moves (i + 1) from player i to player i + 1, a hundred times.
  const outcome = await ledgers.page.evaluate(async (ring) => {
    const ledger = window.ledgers.ring!;
    const task = async (i: number) => {
      const ids: string[] = [];
      for (let k = 0; k < 100; k++) {
        const receipt = await ledger.transfer(ring[i]!, ring[(i + 1) % ring.length]!, BigInt(i + 1));
        if (receipt.replayed) throw new Error('a fresh transfer came back replayed');
        ids.push(receipt.id);
      }
      return ids;
    };
    const ids = (await Promise.all(ring.map((_, i) => task(i)))).flat();
    const balances = await Promise.all(ring.map((p) => ledger.getBalance(p)));
    return window.e2e.encode({ distinct: new Set(ids).size, balances, audit: await ledger.audit() });
  }, ring);
  const { distinct, balances, audit } = decode(outcome) as { distinct: number; balances: bigint[]; audit: unknown };
  expect(distinct).toBe(1000);
  // p0 pays 100 and receives 1000 from p9; every other player pays 100 more than it receives.
  expect(balances).toEqual(ring.map((_, i) => (i === 0 ? 1900n : 900n)));
  expect(audit).toEqual({ ok: true, problems: [], totalSupply: 10_000n });
  expect(await ledgers.query('ring', `SELECT count(*) AS n FROM operation WHERE kind = 'transfer'`)).toEqual([{ n: 1000 }]);
});

test('an idempotent retry returns the same receipt and moves the amount once', async ({ ledgers }) => {
  await ledgers.open('idem');
  await ledgers.call('idem', 'createPlayer', 'a', 1000n);
  await ledgers.call('idem', 'createPlayer', 'b', 1000n);
  const first = await ledgers.call('idem', 'transfer', 'a', 'b', 100n, { idempotencyKey: 'k1' });
  const second = await ledgers.call('idem', 'transfer', 'a', 'b', 100n, { idempotencyKey: 'k1' });
  expect(first.replayed).toBe(false);
  expect(second).toEqual({ id: first.id, replayed: true });
  expect(await ledgers.balances('idem', ['a', 'b'])).toEqual([900n, 1100n]);

  const reused = await ledgers.fail('idem', 'transfer', 'a', 'b', 101n, { idempotencyKey: 'k1' });
  expect(reused).toMatchObject({ code: 'INVALID_ARGUMENT' });
  expect(await ledgers.balances('idem', ['a', 'b'])).toEqual([900n, 1100n]);

  // The key outlives the page.
  await ledgers.reload();
  await ledgers.open('idem');
  expect(await ledgers.call('idem', 'transfer', 'a', 'b', 100n, { idempotencyKey: 'k1' })).toEqual({ id: first.id, replayed: true });
  expect(await ledgers.balances('idem', ['a', 'b'])).toEqual([900n, 1100n]);
  expect(await ledgers.call('idem', 'audit')).toEqual({ ok: true, problems: [], totalSupply: 2000n });
});

test('balances around 2^62 move exactly, up to a total supply of 2^63-1', async ({ ledgers }) => {
  await ledgers.open('big');
  const max = 2n ** 63n - 1n;
  await ledgers.call('big', 'createPlayer', 'a', 2n ** 62n);
  // A second 2^62 would make the supply 2^63, one past what 64 bits hold: the ledger refuses it.
  expect(await ledgers.fail('big', 'createPlayer', 'b', 2n ** 62n)).toMatchObject({ code: 'INVALID_ARGUMENT' });
  await ledgers.call('big', 'createPlayer', 'b', 2n ** 62n - 1n);
  await ledgers.call('big', 'transfer', 'a', 'b', 2n ** 62n - 1n);
  expect(await ledgers.balances('big', ['a', 'b'])).toEqual([1n, 2n ** 63n - 2n]);
  expect(await ledgers.call('big', 'audit')).toEqual({ ok: true, problems: [], totalSupply: max });
  expect(await ledgers.fail('big', 'transfer', 'a', 'b', 2n)).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });

  await ledgers.reload();
  await ledgers.open('big');
  expect(await ledgers.balances('big', ['a', 'b'])).toEqual([1n, 2n ** 63n - 2n]);
  expect(await ledgers.call('big', 'audit')).toEqual({ ok: true, problems: [], totalSupply: max });
});

test('a game escrows bets, pays out exactly, gives the rest to the house, and shows in history', async ({ ledgers }) => {
  await ledgers.open('game');
  for (const p of ['a', 'b', 'c']) await ledgers.call('game', 'createPlayer', p, 1000n);
  expect(await ledgers.call('game', 'createGame', { id: 'g1' })).toBe('g1');
  const pot = () => ledgers.query('game', `SELECT a.balance FROM game g JOIN account a ON a.id = g.pot WHERE g.id = 'g1'`);

  await ledgers.call('game', 'recordBet', 'g1', 'a', 300n);
  await ledgers.call('game', 'recordBet', 'g1', 'b', 200n);
  expect(await ledgers.balances('game', ['a', 'b', 'c'])).toEqual([700n, 800n, 1000n]);
  expect(await pot()).toEqual([{ balance: 500 }]);
  expect(await ledgers.call('game', 'audit')).toEqual({ ok: true, problems: [], totalSupply: 3000n });

  const tooMuch = await ledgers.fail('game', 'settleGame', 'g1', { a: 400n, c: 101n });
  expect(tooMuch).toMatchObject({ code: 'INVALID_ARGUMENT' });
  expect(await ledgers.balances('game', ['a', 'b', 'c'])).toEqual([700n, 800n, 1000n]);
  expect(await pot()).toEqual([{ balance: 500 }]);

  await ledgers.call('game', 'settleGame', 'g1', { a: 400n, c: 50n });
  expect(await ledgers.balances('game', ['a', 'b', 'c'])).toEqual([1100n, 800n, 1050n]);
  expect(await pot()).toEqual([{ balance: 0 }]);
  // The 50 nobody won went back to the house: it is no longer supply.
  expect(await ledgers.call('game', 'audit')).toEqual({ ok: true, problems: [], totalSupply: 2950n });
  expect(await ledgers.fail('game', 'settleGame', 'g1', {})).toMatchObject({ code: 'INVALID_ARGUMENT' });
  expect(await ledgers.fail('game', 'recordBet', 'g1', 'b', 1n)).toMatchObject({ code: 'INVALID_ARGUMENT' });

  const history = await ledgers.call('game', 'history', 'a');
  expect(history.map((e) => [e.kind, e.amount, e.gameId])).toEqual([
    ['settle', 400n, 'g1'],
    ['bet', -300n, 'g1'],
    ['open', 1000n, null],
  ]);
  const ids = history.map((e) => BigInt(e.id));
  expect(ids[0]! > ids[1]! && ids[1]! > ids[2]!).toBe(true);
  for (const e of history) expect(e.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const firstPage = await ledgers.call('game', 'history', 'a', { limit: 2 });
  expect(firstPage).toEqual(history.slice(0, 2));
  expect(await ledgers.call('game', 'history', 'a', { limit: 2, before: firstPage[1]!.id })).toEqual(history.slice(2));
});

test('a reload keeps every acknowledged operation', async ({ ledgers }) => {
  await ledgers.open('durable');
  const people = ['a', 'b', 'c'];
  for (const p of people) await ledgers.call('durable', 'createPlayer', p, 500n);
  await ledgers.call('durable', 'transfer', 'a', 'b', 120n);
  await ledgers.call('durable', 'transfer', 'b', 'c', 7n, { idempotencyKey: 'once' });
  await ledgers.call('durable', 'setBalance', 'c', 2n ** 60n);
  await ledgers.call('durable', 'createGame', { id: 'night' });
  await ledgers.call('durable', 'recordBet', 'night', 'a', 80n);
  await ledgers.call('durable', 'recordBet', 'night', 'c', 2n ** 59n);
  await ledgers.call('durable', 'settleGame', 'night', { a: 2n ** 59n });
  const snapshot = async () => ({
    balances: await ledgers.balances('durable', people),
    histories: await Promise.all(people.map((p) => ledgers.call('durable', 'history', p))),
    audit: await ledgers.call('durable', 'audit'),
  });
  const before = await snapshot();
  expect(before.balances).toEqual([300n + 2n ** 59n, 613n, 2n ** 60n - 2n ** 59n]);
  expect(before.audit).toEqual({ ok: true, problems: [], totalSupply: 300n + 2n ** 59n + 613n + 2n ** 59n });

  await ledgers.reload();
  await ledgers.open('durable');
  expect(await snapshot()).toEqual(before);
  const replay = await ledgers.call('durable', 'transfer', 'b', 'c', 7n, { idempotencyKey: 'once' });
  expect(replay.replayed).toBe(true);
});

/** Runs one model command in the page and reads back every player's balance and the audit, in one round trip. */
async function step(ledgers: Ledgers, name: string, c: Command) {
  const opts = 'key' in c && c.key !== undefined ? { idempotencyKey: c.key } : undefined;
  const [method, args]: [LedgerMethod, unknown[]] =
    c.t === 'createPlayer' ? ['createPlayer', [c.id, c.balance]]
    : c.t === 'setBalance' ? ['setBalance', [c.id, c.balance]]
    : c.t === 'createGame' ? ['createGame', [{ id: c.id }]]
    : c.t === 'transfer' ? ['transfer', [c.from, c.to, c.amount, opts]]
    : c.t === 'recordBet' ? ['recordBet', [c.game, c.id, c.amount, opts]]
    : ['settleGame', [c.game, c.payouts]];
  return ledgers.page.evaluate(
    async ({ name, method, args, players }) => {
      const ledger = window.ledgers[name]!;
      const fn = ledger[method as LedgerMethod] as (...a: unknown[]) => Promise<unknown>;
      const outcome = await window.e2e.settle(fn.apply(ledger, window.e2e.decode(args as Encoded) as unknown[]));
      const balances: Settled[] = [];
      for (const p of players) balances.push(await window.e2e.settle(ledger.getBalance(p)));
      return { outcome, balances, audit: await window.e2e.settle(ledger.audit()) };
    },
    { name, method, args: encode(args) as unknown, players: modelPlayers },
  );
}

function value(s: Settled): unknown {
  return s.ok ? { ok: true, value: decode(s.value) } : { ok: false, code: s.error.code };
}

const small = fc.bigInt({ min: 1n, max: 400n });
const key = fc.option(fc.constantFrom('k0', 'k1', 'k2'), { nil: undefined });
/** Commands that often succeed once players hold modest balances; `command` alone mostly draws refusals. */
const likely = fc.oneof(
  fc.record({ t: fc.constant('transfer' as const), from: fc.constantFrom(...modelPlayers), to: fc.constantFrom(...modelPlayers), amount: small, key }),
  fc.record({ t: fc.constant('recordBet' as const), game: fc.constantFrom(...games), id: fc.constantFrom(...modelPlayers), amount: small, key }),
  fc.record({ t: fc.constant('settle' as const), game: fc.constantFrom(...games), payouts: fc.dictionary(fc.constantFrom(...modelPlayers), fc.bigInt({ min: 0n, max: 300n }), { maxKeys: 2 }) }),
);
/** Players open with modest balances, game g0 (and maybe g1) exists; then random commands, some sent twice as a client retry would. */
const scenario = fc
  .tuple(
    fc.array(fc.bigInt({ min: 0n, max: 3000n }), { minLength: modelPlayers.length, maxLength: modelPlayers.length }),
    fc.boolean(),
    fc.array(fc.tuple(fc.oneof({ arbitrary: command, weight: 1 }, { arbitrary: likely, weight: 3 }), fc.nat(2)), { minLength: 4, maxLength: 12 }),
  )
  .map(([balances, game, rest]): Command[] => [
    ...modelPlayers.map((id, i): Command => ({ t: 'createPlayer', id, balance: balances[i]! })),
    { t: 'createGame', id: 'g0' },
    ...(game ? [{ t: 'createGame', id: 'g1' } as const] : []),
    ...rest.flatMap(([c, retry]) => (retry > 0 ? [c] : 'key' in c ? [{ ...c, key: c.key ?? 'k2' }, { ...c, key: c.key ?? 'k2' }] : [c, c])),
  ]);

let runs = 0;
const seen: Record<string, number> = {};

test('random command sequences agree with the model, keep the books balanced and survive a reload', async ({ ledgers }) => {
  test.setTimeout(150_000);
  const numRuns = Number(process.env.FC_E2E_RUNS ?? 15);
  await fc.assert(
    fc.asyncProperty(scenario, async (commands) => {
      const name = `prop-${++runs}`;
      await ledgers.open(name);
      const model = new Model();
      const receipts = new Map<string, string>();
      const expectBooks = (got: { balances: Settled[]; audit: Settled }, where: string) => {
        const balances = modelPlayers.map((p) => (model.balances.has(p) ? { ok: true, value: model.balances.get(p) } : { ok: false, code: 'NOT_FOUND' }));
        expect(got.balances.map(value), where).toEqual(balances);
        expect(value(got.audit), where).toEqual({ ok: true, value: { ok: true, problems: [], totalSupply: model.supply() } });
      };
      for (const [i, c] of commands.entries()) {
        const where = `${name} step ${i}: ${show(c)} of ${show(commands)}`;
        const expected = model.apply(c);
        seen[`${c.t}:${expected ?? 'ok'}`] = (seen[`${c.t}:${expected ?? 'ok'}`] ?? 0) + 1;
        const got = await step(ledgers, name, c);
        const outcome = value(got.outcome) as { ok: boolean; code?: string; value?: unknown };
        if (expected === 'REPLAYED') {
          expect(outcome, where).toEqual({ ok: true, value: { id: receipts.get((c as { key: string }).key), replayed: true } });
        } else if (expected !== undefined) {
          expect(outcome, where).toEqual({ ok: false, code: expected });
        } else {
          expect(outcome.ok, `${where}: ${show(outcome)}`).toBe(true);
          if (c.t === 'transfer' || c.t === 'recordBet') {
            const receipt = outcome.value as { id: string; replayed: boolean };
            expect(receipt.replayed, where).toBe(false);
            if (c.key !== undefined) receipts.set(c.key, receipt.id);
          }
        }
        expectBooks(got, where);
      }
      await ledgers.reload();
      await ledgers.open(name);
      const after = await ledgers.page.evaluate(async ({ name, players }) => {
        const ledger = window.ledgers[name]!;
        const balances: Settled[] = [];
        for (const p of players) balances.push(await window.e2e.settle(ledger.getBalance(p)));
        return { balances, audit: await window.e2e.settle(ledger.audit()) };
      }, { name, players: modelPlayers });
      expectBooks(after, `${name} after reload of ${show(commands)}`);
      await ledgers.close(name);
    }),
    { numRuns, endOnFailure: true },
  );
  // The runs exercised the ledger, not only its refusals (each count averages well over 10 in 15 runs).
  test.info().annotations.push({ type: 'outcomes', description: show(seen) });
  if (numRuns >= 10) {
    const count = (...keys: string[]) => keys.reduce((n, k) => n + (seen[k] ?? 0), 0);
    expect(count('transfer:ok', 'recordBet:ok', 'settle:ok'), show(seen)).toBeGreaterThan(0);
    expect(count('transfer:INSUFFICIENT_FUNDS', 'recordBet:INSUFFICIENT_FUNDS'), show(seen)).toBeGreaterThan(0);
  }
});
