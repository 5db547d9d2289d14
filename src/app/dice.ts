/**
 * Fair dice from the browser's CSPRNG. A byte has 256 values, not a multiple
 * of 6: taking `byte % 6` would favour 1 to 4. Bytes of 252 and above are
 * thrown away (rejection sampling), so each face has exactly 42 of the 252
 * accepted values.
 */

/** Fills a buffer with random bytes; `crypto.getRandomValues` in the app, a script in tests. */
export type ByteSource = (buffer: Uint8Array) => void;

const cryptoBytes: ByteSource = (buffer) => void crypto.getRandomValues(buffer);
const LIMIT = 252; // 6 × 42: the largest multiple of 6 a byte can hold

/** One die, 1 to 6, without modulo bias. */
export function rollDie(source: ByteSource = cryptoBytes): number {
  const byte = new Uint8Array(1);
  for (;;) {
    source(byte);
    if (byte[0]! < LIMIT) return (byte[0]! % 6) + 1;
  }
}

/** Two dice. */
export function rollDice(source: ByteSource = cryptoBytes): [number, number] {
  return [rollDie(source), rollDie(source)];
}
