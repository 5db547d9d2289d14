/**
 * Token amounts typed by a person, read as exact `bigint`s: never through
 * `Number`, which rounds beyond 2^53. Only the shape is checked here; the
 * ledger decides what is allowed (positive, within 64 bits, affordable), so
 * its refusal is the one the player reads.
 */

/** The parsed amount, or why the text is not a whole number of tokens. */
export type Parsed = { ok: true; value: bigint } | { ok: false; message: string };

/** Reads "1000", "-5", " 42 " or "1_000" / "1,000" (grouping) as a whole number of tokens. */
export function parseAmount(text: string): Parsed {
  const trimmed = text.trim().replace(/[_,\s]/g, '');
  if (trimmed === '') return { ok: false, message: 'Enter an amount of tokens.' };
  if (/^[+-]?\d+\.\d*$/.test(trimmed)) return { ok: false, message: 'Tokens are whole: enter an amount without a fraction.' };
  if (!/^[+-]?\d+$/.test(trimmed)) return { ok: false, message: `"${text.trim()}" is not a whole number of tokens.` };
  return { ok: true, value: BigInt(trimmed) };
}

/** Formats tokens with thin grouping, exactly (bigint, no rounding). */
export function formatTokens(value: bigint): string {
  const sign = value < 0n ? '−' : '';
  const digits = (value < 0n ? -value : value).toString();
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
