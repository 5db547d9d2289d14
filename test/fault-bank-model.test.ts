/**
 * The fault suite's bank model must be able to fail: these feed it the
 * outcomes a broken store would produce (a lost acknowledged transfer, a
 * torn state, a retry applied twice) and check that it counts each one.
 */
import { describe, expect, it } from 'vitest';
import { BankModel } from '../e2e/faults/bank-model';
import type { Found } from '../e2e/faults/kill-page';

const PLAYERS = ['a', 'b'];
const PLAN = [
  { from: 'a', to: 'b', amount: 5 },
  { from: 'b', to: 'a', amount: 2 },
  { from: 'a', to: 'b', amount: 1 },
];

function found(keys: string[], balances: [number, number], audit = true): Found {
  return {
    storageLost: false,
    recoveredSeq: null,
    keys,
    balances: { a: String(balances[0]), b: String(balances[1]) },
    audit: { ok: audit, problems: [], totalSupply: '200' },
    migrationsApplied: [],
    migrationTables: [],
    openError: null,
  };
}

/** A round where r1-0 and r1-1 were acknowledged and r1-2 started without an answer. */
function round(): BankModel {
  const model = new BankModel(PLAYERS, 100n);
  model.beginRound(1, PLAN);
  model.observe({ t: 'start', key: 'r1-0', from: 'a', to: 'b', amount: 5 });
  model.observe({ t: 'ack', key: 'r1-0', replayed: false });
  model.observe({ t: 'start', key: 'r1-1', from: 'b', to: 'a', amount: 2 });
  model.observe({ t: 'ack', key: 'r1-1', replayed: false });
  model.observe({ t: 'start', key: 'r1-2', from: 'a', to: 'b', amount: 1 });
  return model;
}

describe('the kill suite’s bank model', () => {
  it('passes a state holding every acknowledged transfer, and the retry of the unanswered one', () => {
    const model = round();
    const { retry, durableUnacked } = model.check(found(['r1-0', 'r1-1'], [97, 103]), 200n, []);
    expect(retry.map((t) => t.key)).toEqual(['r1-2']);
    model.afterRetry(retry, durableUnacked, [{ replayed: false }], { a: '96', b: '104' });
    expect(model.tally).toMatchObject({ lost: 0, torn: 0, doubled: 0, problems: [] });
  });

  it('counts an acknowledged transfer missing after the relaunch as lost', () => {
    const model = round();
    model.check(found(['r1-0'], [95, 105]), 200n, []);
    expect(model.tally.lost).toBe(1);
  });

  it('counts balances that are not the sum of whole transfers, or a failed audit, as torn', () => {
    const model = round();
    model.check(found(['r1-0', 'r1-1'], [96, 103], false), 200n, []);
    expect(model.tally.torn).toBe(2);
  });

  it('counts a durable unanswered transfer whose retry applies again as double-applied', () => {
    const model = round();
    const { retry, durableUnacked } = model.check(found(['r1-0', 'r1-1', 'r1-2'], [96, 104]), 200n, []);
    expect(durableUnacked.map((t) => t.key)).toEqual(['r1-2']);
    model.afterRetry(retry, durableUnacked, [{ replayed: false }], { a: '95', b: '105' });
    expect(model.tally.doubled).toBe(2);
  });

  it('accepts a restore cut by the kill only as the state before it or the backup’s', () => {
    const model = round();
    model.observe({ t: 'backup' });
    model.observe({ t: 'restore-start' });
    model.check(found(['r1-0'], [95, 105]), 200n, []);
    expect(model.tally.lost + model.tally.torn).toBeGreaterThan(0);
  });
});
