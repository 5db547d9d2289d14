import { describe, expect, it } from 'vitest';
import { LogTally } from '../src/worker/core/log-tally';

describe('the log tally', () => {
  it('keeps the entries and their total as they are loaded, added and folded away', () => {
    const log = new LogTally();
    expect([log.count, log.bytes, log.lastSeq]).toEqual([0, 0, undefined]);
    log.reset([{ seq: 3, bytes: 100 }, { seq: 4, bytes: 50 }]);
    expect([log.count, log.bytes, log.lastSeq]).toEqual([2, 150, 4]);
    log.add(5, 25);
    log.add(6, 10);
    expect([log.count, log.bytes, log.lastSeq]).toEqual([4, 185, 6]);
    log.dropThrough(4); // a fold of commit 4
    expect([log.count, log.bytes, log.lastSeq]).toEqual([2, 35, 6]);
    log.dropThrough(10);
    expect([log.count, log.bytes, log.lastSeq]).toEqual([0, 0, undefined]);
    log.add(11, 7);
    log.reset(); // a snapshot commit
    expect([log.count, log.bytes]).toEqual([0, 0]);
  });
});
