/**
 * A database image that sql.js keeps as its in-memory file instead of
 * copying it, and a file that then grows without copying what it holds.
 *
 * sql.js keeps its file in Emscripten's MEMFS: one typed array per file
 * (`node.contents`), its capacity that array's `length`. The first write to
 * an empty file keeps `data.slice(...)`; a write past the capacity makes a
 * new array 12.5% larger and copies the whole file into it. MEMFS is not
 * exported, so both steps are reached through the one object Pacioli hands
 * it: the image whose `slice` MEMFS calls, and what that `slice` returns,
 * which MEMFS then keeps as the file and reads and writes through
 * `subarray`, `set` and `length` only.
 */

/** Extra space comes in pieces of this size: a multiple of every SQLite page size (512 B to 64 KiB), so a page never straddles two. */
export const PIECE = 1 << 20;

/** What `length` tells MEMFS: a capacity it never needs to grow. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/**
 * The image as handed to sql.js: its `slice` gives MEMFS a `GrowingFile` on
 * the same memory. A copy there cost 130–180 ms at 50 MB on the 2-core
 * machine (fresh pages are slow to fault in) and doubled a cold open's peak
 * memory.
 */
class AdoptedImage extends Uint8Array<ArrayBuffer> {
  override slice(start = 0, end = this.byteLength): Uint8Array<ArrayBuffer> {
    return new GrowingFile(this.buffer, this.byteOffset + start, Math.max(0, end - start));
  }
}

/**
 * The file: the adopted image, then pieces of `PIECE` bytes made as writes
 * reach them. Without it, the first write past the image's end (a commit
 * that needs a new page, or the first log entry replayed at a cold open)
 * copied the whole file: at 25 MB that was 30 ms of a 60-transfer replay in
 * Node, and most of the 81 ms it took in Chromium's cold-open stage pass.
 *
 * Only what MEMFS uses is answered beyond the image: `subarray` (its reads:
 * a view where the range lies in one part, a copy where it spans two) and
 * `set` (its writes). Everything else on it sees the image alone. A
 * truncate (`PRAGMA incremental_vacuum`) makes MEMFS copy the file into a
 * plain array of the new size, which then grows as MEMFS's files do.
 */
export class GrowingFile extends Uint8Array<ArrayBuffer> {
  /** What inherited methods (`slice`, `map`, …) make: a plain array, never a file without an image. */
  static get [Symbol.species](): Uint8ArrayConstructor {
    return Uint8Array;
  }

  private readonly imageBytes: number;
  private readonly pieces: (Uint8Array<ArrayBuffer> | undefined)[] = [];

  constructor(buffer: ArrayBuffer, byteOffset: number, length: number) {
    super(buffer, byteOffset, length);
    this.imageBytes = length;
  }

  /** The bytes held beyond the image (tests and measurements). */
  get extraBytes(): number {
    return this.pieces.reduce((sum, p) => sum + (p ? p.length : 0), 0);
  }

  override subarray(begin = 0, end = this.imageBytes): Uint8Array<ArrayBuffer> {
    const image = this.imageBytes;
    if (end <= image) return new Uint8Array(this.buffer, this.byteOffset + begin, Math.max(0, end - begin));
    if (begin >= image) {
      const index = Math.floor((begin - image) / PIECE);
      const from = (begin - image) % PIECE;
      if (from + (end - begin) <= PIECE) {
        const piece = this.pieces[index];
        return piece ? piece.subarray(from, from + end - begin) : new Uint8Array(end - begin);
      }
    }
    const out = new Uint8Array(Math.max(0, end - begin));
    for (let at = begin; at < end; ) {
      const next = at < image ? image : image + (Math.floor((at - image) / PIECE) + 1) * PIECE;
      const stop = Math.min(end, next);
      out.set(this.subarray(at, stop), at - begin);
      at = stop;
    }
    return out;
  }

  override set(source: ArrayLike<number>, offset = 0): void {
    const image = this.imageBytes;
    if (offset + source.length <= image) return super.set(source, offset);
    const bytes = asBytes(source);
    let at = 0;
    if (offset < image) {
      super.set(bytes.subarray(0, image - offset), offset);
      at = image - offset;
    }
    while (at < bytes.length) {
      const position = offset + at - image;
      const index = Math.floor(position / PIECE);
      const from = position % PIECE;
      const n = Math.min(PIECE - from, bytes.length - at);
      (this.pieces[index] ??= new Uint8Array(PIECE)).set(bytes.subarray(at, at + n), from);
      at += n;
    }
  }
}

/**
 * The bytes of a write's source without converting them one by one: SQLite's
 * writes come as views of the wasm heap, which Emscripten keeps as an
 * `Int8Array` (`Uint8Array.from` on one took 2.5 µs per 4 KiB page in Node,
 * a view 0.7). Only one-byte elements are the same bytes in a `Uint8Array`.
 */
function asBytes(source: ArrayLike<number>): Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (source instanceof Int8Array || source instanceof Uint8ClampedArray) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  return Uint8Array.from(source);
}

// `length` is MEMFS's capacity test (`contents.length >= needed`, else copy the file). Typed
// arrays declare it as a property, which a subclass may not redeclare as a getter in TypeScript.
Object.defineProperty(GrowingFile.prototype, 'length', { get: () => UNBOUNDED });

/** `image` as sql.js should get it to keep its memory as the file, or the image itself when it cannot be kept. */
export function adopted(image: Uint8Array): Uint8Array {
  // Images read from IndexedDB never sit on a SharedArrayBuffer; one that did is simply copied.
  return image.buffer instanceof ArrayBuffer ? new AdoptedImage(image.buffer, image.byteOffset, image.byteLength) : image;
}
