/**
 * Avro `decimal` values are the big-endian two's-complement bytes of the unscaled integer.
 * These helpers produce the minimal-length encoding (the one Java's BigInteger.toByteArray
 * gives, which the Avro and Kafka Connect readers expect).
 */

/** Minimal big-endian two's-complement bytes of n; 0 is one zero byte. */
export function twosComplementBytes(n: bigint): Buffer {
  if (n >= 0n) {
    let hex = n.toString(16);
    if (hex.length % 2 === 1) hex = `0${hex}`;
    // A leading byte >= 0x80 would read as negative: prefix a sign byte.
    if (hex.charCodeAt(0) >= 56 /* '8' */) hex = `00${hex}`;
    return Buffer.from(hex, 'hex');
  }
  // Smallest L with n >= -2^(8L-1): one byte more than the bits of (-n - 1) need.
  const magnitude = -n - 1n;
  const bits = magnitude === 0n ? 0 : magnitude.toString(2).length;
  const length = (bits >> 3) + 1;
  const wrapped = (1n << BigInt(length * 8)) + n;
  return Buffer.from(wrapped.toString(16).padStart(length * 2, '0'), 'hex');
}

/**
 * The unscaled integer of a decimal text (`-123.45`, `0.5`, `7`) at `scale` fraction digits.
 * Fewer digits are padded; more digits throw, since dropping them would lose data.
 */
export function unscaledDecimal(text: string, scale: number): bigint {
  const dot = text.indexOf('.');
  if (dot < 0) return BigInt(scale === 0 ? text : text + '0'.repeat(scale));
  const fraction = text.length - dot - 1;
  if (fraction > scale) throw new Error(`decimal '${text}' has more than ${scale} fraction digits`);
  const joined = text.slice(0, dot) + text.slice(dot + 1);
  return BigInt(fraction === scale ? joined : joined + '0'.repeat(scale - fraction));
}

/** Unscaled values below 2^47 in magnitude fit the 6 bytes Buffer.writeIntBE can write. */
const SMALL_LIMIT = 2 ** 47;

/**
 * Avro decimal bytes of a decimal text at `scale`.
 *
 * Most decimals (prices, amounts) have at most 14 digits, whose unscaled value is exact in
 * a double: those are read digit by digit and written with writeIntBE, without the BigInt
 * and the two hex strings of the general path (a third of a snapshot row's decode time).
 * Anything else, and any text the digit loop does not accept, takes the general path,
 * which is the one that validates and throws.
 */
export function decimalBytes(text: string, scale: number): Buffer {
  const small = smallUnscaled(text, scale);
  if (small === null) return twosComplementBytes(unscaledDecimal(text, scale));
  let length = 1;
  let bound = 128;
  if (small >= 0) {
    while (small >= bound) {
      length++;
      bound *= 256;
    }
  } else {
    while (small < -bound) {
      length++;
      bound *= 256;
    }
  }
  const out = Buffer.allocUnsafe(length);
  out.writeIntBE(small, 0, length);
  return out;
}

/** The unscaled value of a plain decimal text when it is below SMALL_LIMIT in magnitude, else null. */
function smallUnscaled(text: string, scale: number): number | null {
  const end = text.length;
  let i = text.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  if (i === end) return null;
  let n = 0;
  let fraction = -1;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */ && fraction < 0) {
      fraction = 0;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
    if (fraction >= 0) fraction++;
  }
  if (fraction < 0) fraction = 0;
  if (fraction > scale || (fraction === 0 && text.charCodeAt(end - 1) === 46)) return null;
  for (; fraction < scale; fraction++) n *= 10;
  if (n >= SMALL_LIMIT) return null;
  return text.charCodeAt(0) === 45 ? -n : n;
}
