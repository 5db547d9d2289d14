/**
 * The OPFS log's record format (src/worker/opfs/records.ts): what a crash
 * can leave (a file cut anywhere) reads as a prefix of whole commits, and a
 * changed byte in a record that other records follow is damage, never a
 * silently shorter log.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encode, HEADER, parse } from '../src/worker/opfs/records';

const entries = fc
  .tuple(fc.integer({ min: 1, max: 1_000_000 }), fc.array(fc.uint8Array({ minLength: 0, maxLength: 200 }), { minLength: 1, maxLength: 12 }))
  .map(([first, payloads]) => payloads.map((bytes, i) => ({ seq: first + i, bytes })));

describe('OPFS log records', () => {
  it('read back whole', () => {
    fc.assert(
      fc.property(entries, (list) => {
        const parsed = parse(encode(list), 0, list[0]!.seq);
        expect(parsed.entries).toEqual(list);
        expect(parsed).toMatchObject({ torn: false, damaged: false });
      }),
    );
  });

  it('a file cut anywhere reads as the whole records before the cut, torn unless cut between records', () => {
    fc.assert(
      fc.property(entries, fc.double({ min: 0, max: 1, noNaN: true }), (list, where) => {
        const bytes = encode(list);
        const cut = Math.floor(where * bytes.length);
        const parsed = parse(bytes.subarray(0, cut), 0, list[0]!.seq);
        let whole = 0;
        let end = 0;
        while (whole < list.length && end + HEADER + list[whole]!.bytes.length <= cut) end += HEADER + list[whole++]!.bytes.length;
        expect(parsed.entries).toEqual(list.slice(0, whole));
        expect(parsed.end).toBe(end);
        expect(parsed.torn).toBe(cut > end);
        expect(parsed.damaged).toBe(false);
      }),
    );
  });

  it('a changed byte in a record that another follows is damage; in the last one it reads as torn', () => {
    fc.assert(
      fc.property(entries.filter((l) => l.length >= 2 && l[0]!.bytes.length > 0), fc.integer({ min: 1, max: 255 }), (list, flip) => {
        const bytes = encode(list);
        bytes[HEADER]! ^= flip; // the first byte of the first entry
        const parsed = parse(bytes, 0, list[0]!.seq);
        expect(parsed).toMatchObject({ entries: [], damaged: true, torn: false });
        const last = encode(list);
        last[last.length - 1]! ^= flip;
        const tail = parse(last, 0, list[0]!.seq);
        expect(tail.entries).toEqual(list.slice(0, -1));
        expect(tail).toMatchObject({ damaged: false, torn: true });
      }),
    );
  });

  it('a sound record of another commit than the one expected is damage, never a torn end', () => {
    const list = [{ seq: 7, bytes: new Uint8Array([1, 2, 3]) }];
    expect(parse(encode(list), 0, 8)).toMatchObject({ entries: [], torn: false, damaged: true });
    const gap = [...list, { seq: 9, bytes: new Uint8Array([4]) }];
    expect(parse(encode(gap), 0, 7)).toMatchObject({ entries: list, torn: false, damaged: true });
  });
});
