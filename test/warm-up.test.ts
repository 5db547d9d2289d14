import { describe, expect, it } from 'vitest';
import { warmUp } from '../src/worker/sql/warm-up';
import { loadSql } from './helpers';

describe('warmUp (a cold open compiles SQLite while IndexedDB reads)', () => {
  it('runs through while the read is still under way', async () => {
    // A failure is swallowed by design (warming is an optimisation): the warm-up's first statement
    // once failed that way on every open, and nothing said so.
    expect(await warmUp(await loadSql(), () => true)).toBe(true);
  });

  it('runs nothing once the read is done', async () => {
    expect(await warmUp(await loadSql(), () => false)).toBe(false);
  });
});
