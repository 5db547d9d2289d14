/**
 * A plain in-memory model of the BitCraps ledger and random commands for it,
 * shared by the Node property test and the browser one (e2e/ledger.spec.ts).
 */
import fc from 'fast-check';

export const players = ['p0', 'p1', 'p2', 'p3'];
export const games = ['g0', 'g1'];
const amount = fc.oneof(fc.bigInt({ min: 1n, max: 1000n }), fc.bigInt({ min: -5n, max: 2n ** 63n + 5n }));
const key = fc.option(fc.constantFrom('k0', 'k1', 'k2'), { nil: undefined });
/** One random ledger command. */
export const command = fc.oneof(
  fc.record({ t: fc.constant('createPlayer' as const), id: fc.constantFrom(...players), balance: fc.bigInt({ min: 0n, max: 2n ** 62n }) }),
  fc.record({ t: fc.constant('transfer' as const), from: fc.constantFrom(...players), to: fc.constantFrom(...players), amount, key }),
  fc.record({ t: fc.constant('setBalance' as const), id: fc.constantFrom(...players), balance: fc.bigInt({ min: 0n, max: 2n ** 62n }) }),
  fc.record({ t: fc.constant('createGame' as const), id: fc.constantFrom(...games) }),
  fc.record({ t: fc.constant('recordBet' as const), game: fc.constantFrom(...games), id: fc.constantFrom(...players), amount, key }),
  fc.record({ t: fc.constant('settle' as const), game: fc.constantFrom(...games), payouts: fc.dictionary(fc.constantFrom(...players), fc.bigInt({ min: 0n, max: 3000n }), { maxKeys: 2 }) }),
);
export type Command = typeof command extends fc.Arbitrary<infer C> ? C : never;

/** The ledger as a plain model: what each command should do, and the balances it should leave. */
export class Model {
  balances = new Map<string, bigint>();
  pots = new Map<string, { pot: bigint; settled: boolean }>();
  keys = new Map<string, { request: string; id?: string }>();

  /** The expected outcome: an error code, or undefined when the command succeeds (and is applied). */
  apply(c: Command): string | undefined {
    const MAX = 2n ** 63n - 1n;
    switch (c.t) {
      case 'createPlayer':
        if (this.balances.has(c.id)) return 'CONSTRAINT';
        if (this.supply() + c.balance > MAX) return 'INVALID_ARGUMENT'; // the house cannot mint past 2^63-1
        this.balances.set(c.id, c.balance);
        return undefined;
      case 'setBalance':
        if (!this.balances.has(c.id)) return 'NOT_FOUND';
        if (this.supply() + c.balance - this.balances.get(c.id)! > MAX) return 'INVALID_ARGUMENT';
        this.balances.set(c.id, c.balance);
        return undefined;
      case 'createGame':
        if (this.pots.has(c.id)) return 'CONSTRAINT';
        this.pots.set(c.id, { pot: 0n, settled: false });
        return undefined;
      case 'transfer':
      case 'recordBet': {
        const request = c.t === 'transfer' ? `t:${c.from}:${c.to}:${c.amount}` : `b:${c.game}:${c.id}:${c.amount}`;
        if (c.amount <= 0n || c.amount > MAX) return 'INVALID_ARGUMENT';
        const earlier = c.key === undefined ? undefined : this.keys.get(c.key);
        if (earlier) return earlier.request === request ? 'REPLAYED' : 'INVALID_ARGUMENT';
        const payer = c.t === 'transfer' ? c.from : c.id;
        if (c.t === 'transfer' && c.from === c.to) return 'INVALID_ARGUMENT';
        if (c.t === 'recordBet' && !this.pots.has(c.game)) return 'NOT_FOUND';
        if (c.t === 'recordBet' && this.pots.get(c.game)!.settled) return 'INVALID_ARGUMENT';
        if (!this.balances.has(payer) || (c.t === 'transfer' && !this.balances.has(c.to))) return 'NOT_FOUND';
        if (this.balances.get(payer)! < c.amount) return 'INSUFFICIENT_FUNDS';
        if (c.t === 'transfer' && this.balances.get(c.to)! + c.amount > MAX) return 'INVALID_ARGUMENT';
        if (c.t === 'recordBet' && this.pots.get(c.game)!.pot + c.amount > MAX) return 'INVALID_ARGUMENT';
        this.balances.set(payer, this.balances.get(payer)! - c.amount);
        if (c.t === 'transfer') this.balances.set(c.to, this.balances.get(c.to)! + c.amount);
        else this.pots.get(c.game)!.pot += c.amount;
        if (c.key !== undefined) this.keys.set(c.key, { request });
        return undefined;
      }
      case 'settle': {
        const g = this.pots.get(c.game);
        if (!g) return 'NOT_FOUND';
        if (g.settled) return 'INVALID_ARGUMENT';
        if (Object.keys(c.payouts).some((p) => !this.balances.has(p))) return 'NOT_FOUND';
        const total = Object.values(c.payouts).reduce((a, b) => a + b, 0n);
        if (total > g.pot) return 'INVALID_ARGUMENT';
        for (const [p, v] of Object.entries(c.payouts)) this.balances.set(p, this.balances.get(p)! + v);
        g.pot = 0n;
        g.settled = true;
        return undefined;
      }
    }
  }

  supply(): bigint {
    let s = 0n;
    for (const v of this.balances.values()) s += v;
    for (const g of this.pots.values()) s += g.pot;
    return s;
  }
}
