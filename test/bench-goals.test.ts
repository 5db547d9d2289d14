import { describe, expect, it } from 'vitest';
import { goal } from '../bench/goals';

describe('bench goals', () => {
  it('judges a goal on its value as reported, so a ratio exactly at the target is met', () => {
    // A p50 of 0.24 ms against a round trip of 0.08 ms, as Firefox's timer readings came out in a full run.
    const atTarget = 0.24000000000023647 / 0.08;
    expect(atTarget).toBeGreaterThan(3);
    expect(goal('point read', atTarget, '≤ 3.0', (v) => v <= 3.0, '')).toEqual({ goal: 'point read', value: 3, target: '≤ 3.0', met: true });
    expect(goal('point read', 3.0006, '≤ 3.0', (v) => v <= 3.0, '')).toMatchObject({ value: 3.001, met: false });
    expect(goal('point read', null, '≤ 3.0', (v) => v <= 3.0, 'no baseline')).toMatchObject({ value: null, met: false, note: 'not measured: no baseline' });
  });
});
