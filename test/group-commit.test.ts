import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GATHER_MS, GroupCommit } from '../src/worker/core/group-commit';
import type { Replica } from '../src/worker/core/replica';

/** A group commit over an IndexedDB-like log whose appends finish when the test says so. */
function pipeline() {
  const appends: { seqs: number[]; finish: () => void }[] = [];
  const persistence = {
    inline: false,
    append: (entries: { seq: number }[]) =>
      new Promise<void>((resolve) => appends.push({ seqs: entries.map((e) => e.seq), finish: resolve })),
  };
  const group = new GroupCommit(() => ({ persistence }) as unknown as Replica, () => {});
  let seq = 0;
  const heard: number[] = [];
  const write = () => {
    const n = ++seq;
    void group.add({ seq: n, entry: new Uint8Array([n]), tables: ['t'], outcomes: [] }, group.epoch).then(() => heard.push(n));
  };
  return { group, appends, write, heard };
}

/** Lets the promise chains run (no timer moves). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('group commit', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('a lone writer never waits: each append starts at once, and the pipeline is idle again for its early fence', async () => {
    const { group, appends, write, heard } = pipeline();
    for (let i = 1; i <= 3; i++) {
      expect(group.idle).toBe(true);
      write();
      await settle();
      expect(appends.map((a) => a.seqs)).toEqual(range(1, i).map((n) => [n]));
      appends.at(-1)!.finish();
      await settle();
    }
    expect(heard).toEqual([1, 2, 3]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ten writers: the first write back after a batch waits for the others, and the ten go in one append', async () => {
    const { group, appends, write, heard } = pipeline();
    write(); // alone, in flight
    await settle();
    for (let i = 0; i < 9; i++) write(); // queue behind it
    await settle();
    appends[0]!.finish();
    await settle();
    vi.advanceTimersByTime(GATHER_MS); // nine of the ten came back: after GATHER_MS they go
    await settle();
    expect(appends.map((a) => a.seqs)).toEqual([[1], range(2, 10)]);
    write(); // one caller back while the nine are in flight
    await settle();
    appends[1]!.finish(); // ten writers now: the first write back must not go alone
    await settle();
    expect(appends).toHaveLength(2);
    expect(group.idle).toBe(false); // and the next writes open no early fence
    for (let i = 0; i < 9; i++) write();
    await settle();
    // The tenth write started the batch: no timer needed.
    expect(appends.map((a) => a.seqs)).toEqual([[1], range(2, 10), range(11, 20)]);
    expect(heard).toEqual(range(1, 10)); // each caller hears "done" only once its own batch is durable
    appends[2]!.finish();
    await settle();
    expect(heard).toEqual(range(1, 20));
  });

  it('writers that stop coming back cost one wait of GATHER_MS at most, then a writer is alone again', async () => {
    const { group, appends, write } = pipeline();
    write();
    await settle();
    write(); // a second writer
    await settle();
    appends[0]!.finish();
    await settle();
    expect(appends).toHaveLength(1); // the second waits for the first to come back
    vi.advanceTimersByTime(GATHER_MS - 0.5);
    await settle();
    expect(appends).toHaveLength(1);
    vi.advanceTimersByTime(0.5); // it did not: the second goes alone
    await settle();
    expect(appends.map((a) => a.seqs)).toEqual([[1], [2]]);
    appends[1]!.finish();
    await settle();
    expect(group.idle).toBe(true);
    write();
    await settle();
    expect(appends.map((a) => a.seqs)).toEqual([[1], [2], [3]]);
  });

  it('a gather whose timer fires late (a throttled background tab) turns gathering off: commits never wait for such a timer', async () => {
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const { appends, write } = pipeline();
    write();
    await settle();
    write();
    await settle();
    appends[0]!.finish(); // two writers: the second waits for the first to come back
    await settle();
    now = 1000; // the timer asked for GATHER_MS fires a second later
    vi.advanceTimersByTime(GATHER_MS);
    await settle();
    expect(appends.map((a) => a.seqs)).toEqual([[1], [2]]);
    write(); // queued behind [2]: two writers again
    await settle();
    appends[1]!.finish();
    await settle();
    // No wait this time: [3] goes at once, with no timer set.
    expect(appends.map((a) => a.seqs)).toEqual([[1], [2], [3]]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
