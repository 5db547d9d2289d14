import { afterEach, expect, it, vi } from 'vitest';
import { RecoveryCopy } from '../src/worker/features/recovery-copy';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

it('brings the record up to date at once after the first commit, then at most once a second, also where OPFS fails', async () => {
  // OPFS refused every time (a private window): no record is ever written, and the store works on.
  const getDirectory = vi.fn(() => Promise.reject(new DOMException('no OPFS here', 'SecurityError')));
  vi.stubGlobal('navigator', { storage: { getDirectory } });
  vi.useFakeTimers();
  const recovery = new RecoveryCopy('r');
  recovery.noteSeq(1);
  await vi.advanceTimersByTimeAsync(0);
  expect(getDirectory).toHaveBeenCalledTimes(1); // the first: at once
  for (let seq = 2; seq <= 20; seq++) {
    recovery.noteSeq(seq);
    await vi.advanceTimersByTimeAsync(10);
  }
  expect(getDirectory).toHaveBeenCalledTimes(1); // 19 commits in 190 ms: not one try each
  await vi.advanceTimersByTimeAsync(1000);
  expect(getDirectory).toHaveBeenCalledTimes(2);
});
