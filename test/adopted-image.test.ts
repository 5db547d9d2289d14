import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adopted, GrowingFile, PIECE } from '../src/worker/sql/adopted-image';
import { Engine } from '../src/worker/sql/engine';
import { dump, inTx, loadSql } from './helpers';

/** What MEMFS does with the adopted image: `slice` once, then `subarray` to read and `set` to write. */
function asFile(image: Uint8Array): GrowingFile {
  const file = adopted(image).slice(0, image.length);
  expect(file).toBeInstanceOf(GrowingFile);
  return file as GrowingFile;
}

/** Byte equality of megabyte arrays: `toEqual` walks them element by element, far too slowly. */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

describe('the growing file under an adopted image', () => {
  it('reads back every write, inside the image, across its end and across pieces, as one plain array would', () => {
    const imageBytes = 3 * 4096;
    const limit = imageBytes + 3 * PIECE;
    // Positions anywhere, and just around the image's end and each piece's edge, where a read or a write is split.
    const edge = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: -4, max: 4 })).map(([k, d]) => imageBytes + k * PIECE + d);
    const at = fc.oneof(fc.nat({ max: limit - 1 }), edge).map((x) => Math.min(limit - 1, Math.max(0, x)));
    // `signed`: as SQLite's writes come, a view of the wasm heap, which Emscripten keeps as an Int8Array.
    const write = fc.record({ kind: fc.constant('write' as const), at, n: fc.integer({ min: 1, max: 2 * 4096 }), byte: fc.integer({ min: 1, max: 255 }), signed: fc.boolean() });
    const read = fc.tuple(at, at).map(([a, b]) => ({ kind: 'read' as const, at: Math.min(a, b), n: Math.abs(a - b) }));
    fc.assert(
      fc.property(fc.array(fc.oneof(write, read), { maxLength: 30 }), (ops) => {
        const image = new Uint8Array(imageBytes).map((_, i) => i % 251);
        const model = new Uint8Array(limit + PIECE + 8192);
        model.set(image);
        const file = asFile(image);
        for (const op of ops) {
          if (op.kind === 'write') {
            const bytes = new Uint8Array(op.n).fill(op.byte);
            file.set(op.signed ? new Int8Array(bytes.buffer) : bytes, op.at);
            model.set(bytes, op.at);
          } else {
            expect(same(file.subarray(op.at, op.at + op.n), model.subarray(op.at, op.at + op.n))).toBe(true);
          }
        }
        expect(same(file.subarray(0, limit), model.subarray(0, limit))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('tells MEMFS it never needs to grow, and keeps the image’s own memory for the bytes inside it', () => {
    const image = new Uint8Array(8192);
    const file = asFile(image);
    expect(file.length).toBeGreaterThan(2 ** 40); // MEMFS copies the file when `length` is below what a write needs
    file.set([9, 9], 8191); // one byte in the image, one past its end
    expect(image[8191]).toBe(9);
    expect(file.extraBytes).toBe(PIECE);
    expect(Array.from(file.subarray(8190, 8193))).toEqual([0, 9, 9]);
    file.set(new Int8Array([-56]), 8192 + PIECE); // a heap view's bytes, as they are: -56 is 200
    expect(file.subarray(8192 + PIECE, 8193 + PIECE)[0]).toBe(200);
    // What inherited methods make is a plain array, not a file without its image.
    expect(file.slice(0, 4)).not.toBeInstanceOf(GrowingFile);
  });
});

const SCHEMA = `CREATE TABLE item(id INTEGER PRIMARY KEY, body BLOB NOT NULL)`;
/** Rows of 1 000 bytes whose content is a function of their id: two engines doing the same writes hold the same bytes. */
const FILL = (from: number, to: number) =>
  `WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${to}) INSERT INTO item SELECT i, CAST(zeroblob(1000) || CAST(i AS BLOB) AS BLOB) FROM n`;

/**
 * An image of `rows` items, and two engines on it: `own` adopts it, `twin` opens a copy. A new
 * engine sets `auto_vacuum = INCREMENTAL` (open-db.ts), so a fold's export can truncate the file.
 */
async function adoptedAndTwin(rows: number) {
  const sql = await loadSql();
  const source = new Engine(sql);
  inTx(source, 0, (e) => e.run(SCHEMA));
  inTx(source, 1, (e) => e.run(FILL(1, rows)));
  const image = source.export();
  source.close();
  return { sql, image, twin: new Engine(sql, image.slice()), own: new Engine(sql, image, { adopt: true }) };
}

describe('an engine on an adopted image', () => {
  it('grows past the image without copying it, and holds exactly what an engine on a copy holds', async () => {
    const { sql, image, twin, own } = await adoptedAndTwin(2000);
    for (const e of [own, twin]) {
      // About 3 MB past the image's end: more than two pieces.
      inTx(e, 2, (x) => x.run(FILL(2001, 5000)));
      inTx(e, 3, (x) => x.run(`UPDATE item SET body = zeroblob(10) WHERE id % 7 = 0`));
    }
    expect(dump(own)).toEqual(dump(twin));
    expect(own.query('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);

    // A page inside the image, written after the file grew, still lands in the bytes handed over:
    // MEMFS made no copy of the file at its first write past the end.
    const before = image.slice();
    inTx(own, 4, (e) => e.run(`UPDATE item SET body = zeroblob(3) WHERE id = 1`));
    expect(same(image, before)).toBe(false);

    // The file as a whole reads back through the pieces: export, and an engine opened on it.
    inTx(twin, 4, (e) => e.run(`UPDATE item SET body = zeroblob(3) WHERE id = 1`));
    const exported = own.export();
    expect(exported.length).toBeGreaterThan(image.length + 2 * PIECE);
    expect(dump(new Engine(sql, exported))).toEqual(dump(twin));
    own.close();
    twin.close();
  });

  it('keeps working after a truncate turns the file back into a plain one', async () => {
    const { image, twin, own } = await adoptedAndTwin(3000);
    for (const e of [own, twin]) {
      inTx(e, 2, (x) => x.run(FILL(3001, 5000)));
      inTx(e, 3, (x) => x.run(`DELETE FROM item WHERE id > 1000`));
      const shrunk = e.export(); // frees the deleted pages first: MEMFS truncates the file
      expect(shrunk.length).toBeLessThan(image.length);
      inTx(e, 4, (x) => x.run(FILL(1001, 4000)));
    }
    expect(own.query('SELECT count(*) AS n FROM item')).toEqual([{ n: 4000 }]);
    expect(dump(own)).toEqual(dump(twin));
    expect(own.query('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    twin.close();
    own.close();
  });
});
