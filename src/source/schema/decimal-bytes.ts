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

/** Avro decimal bytes of a decimal text at `scale`. */
export function decimalBytes(text: string, scale: number): Buffer {
  return twosComplementBytes(unscaledDecimal(text, scale));
}
