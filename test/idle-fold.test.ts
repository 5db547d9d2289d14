import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IDLE_FOLD_MS, IdleFold } from '../src/worker/core/idle-fold';
import type { Replica } from '../src/worker/core/replica';

/** A copy whose log is (or is not) worth an idle fold. */
const copy = (worth = true) => ({ wantsIdleFold: () => worth }) as unknown as Replica;

describe('the idle fold', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('folds once, IDLE_FOLD_MS after the last of a run of commits, with one timer rather than one per commit', () => {
    const fold = vi.fn();
    const idle = new IdleFold(() => copy(), fold);
    const timers = vi.spyOn(globalThis, 'setTimeout');
    for (let i = 0; i < 30; i++) {
      idle.afterCommit(copy(), false);
      vi.advanceTimersByTime(100);
    }
    expect(fold).not.toHaveBeenCalled();
    // 3 s of commits: the timer went off early once or twice and waited out the rest, where a timer per commit made 30.
    expect(timers.mock.calls.length).toBeLessThanOrEqual(3);
    vi.advanceTimersByTime(IDLE_FOLD_MS - 100 - 1);
    expect(fold).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fold).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10 * IDLE_FOLD_MS);
    expect(fold).toHaveBeenCalledTimes(1);
  });

  it('drops the wait when a commit starts a busy fold or leaves too little log, and close() hears whether one was due', () => {
    const fold = vi.fn();
    const idle = new IdleFold(() => copy(), fold);
    idle.afterCommit(copy(), false);
    vi.advanceTimersByTime(IDLE_FOLD_MS / 2);
    idle.afterCommit(copy(), true); // a busy fold started
    vi.advanceTimersByTime(2 * IDLE_FOLD_MS);
    expect(fold).not.toHaveBeenCalled();
    idle.afterCommit(copy(false), false);
    vi.advanceTimersByTime(2 * IDLE_FOLD_MS);
    expect(fold).not.toHaveBeenCalled();
    expect(idle.takeDue()).toBe(false);
    idle.afterCommit(copy(), false);
    expect(idle.takeDue()).toBe(true);
    vi.advanceTimersByTime(2 * IDLE_FOLD_MS);
    expect(fold).not.toHaveBeenCalled(); // close() folds it itself
  });

  it('does not fold when, once due, the copy is gone or no longer wants it', () => {
    const fold = vi.fn();
    let current: Replica | undefined = copy(false);
    const idle = new IdleFold(() => current, fold);
    idle.afterCommit(copy(), false);
    vi.advanceTimersByTime(IDLE_FOLD_MS);
    current = undefined;
    idle.afterCommit(copy(), false);
    vi.advanceTimersByTime(IDLE_FOLD_MS);
    expect(fold).not.toHaveBeenCalled();
  });
});
