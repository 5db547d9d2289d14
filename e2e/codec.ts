/**
 * A JSON-safe encoding for the values the store trades in, shared by the
 * harness page and the Node side of the tests. `page.evaluate` cannot be
 * trusted to carry `bigint` or `Uint8Array` across every browser protocol
 * (WebDriver BiDi in Firefox among them), so both directions go through
 * tagged plain objects instead. Types are kept exact: a `number` stays a
 * number, only a real `bigint` becomes `{ $bigint }`, only a real
 * `Uint8Array` becomes `{ $bytes }`; anything else binary is tagged as
 * `{ $other }` so a test comparing it against a `Uint8Array` fails.
 */

export type Encoded =
  | null
  | boolean
  | number
  | string
  | { $bigint: string }
  | { $bytes: string }
  | { $other: string }
  | { $undefined: true }
  | Encoded[]
  | { [key: string]: Encoded };

/** Lower-case hex of some bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** The bytes of a lower-case hex string. */
export function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function isTagged(value: object, tag: string): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === tag;
}

/** Turns a value into something any protocol carries unchanged. */
export function encode(value: unknown): Encoded {
  if (value === undefined) return { $undefined: true };
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') {
    return value;
  }
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (value instanceof Uint8Array && value.constructor === Uint8Array) return { $bytes: toHex(value) };
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    return { $other: Object.prototype.toString.call(value) };
  }
  if (Array.isArray(value)) return value.map(encode);
  if (typeof value === 'object') {
    const out: { [key: string]: Encoded } = {};
    for (const [key, item] of Object.entries(value)) out[key] = encode(item);
    return out;
  }
  return { $other: typeof value };
}

/** The inverse of `encode`. */
export function decode(value: Encoded): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(decode);
  if (isTagged(value, '$bigint')) return BigInt((value as { $bigint: string }).$bigint);
  if (isTagged(value, '$bytes')) return fromHex((value as { $bytes: string }).$bytes);
  if (isTagged(value, '$undefined')) return undefined;
  if (isTagged(value, '$other')) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = decode(item);
  return out;
}
