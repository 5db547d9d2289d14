import { describe, expect, it } from 'vitest';
import { warmUp } from '../src/worker/sql/warm-up';
import { loadSql } from './helpers';

describe('warmUp (a cold open compiles SQLite while IndexedDB reads)', () => {
  it('runs every step while the read is still under way', async () => {
    // A step that throws is swallowed by design (warming is an optimisation): the warm-up's first
    // statement once failed that way on every open, and nothing said so.
    const { ran, of } = await warmUp(await loadSql(), () => true);
    expect(of).toBeGreaterThan(0);
    expect(ran).toBe(of);
  });

  it('runs nothing once the read is done', async () => {
    expect((await warmUp(await loadSql(), () => false)).ran).toBe(0);
  });
});
