/**
 * CRC-64-AVRO, the Rabin fingerprint the Avro specification defines for schemas
 * ("Schema Fingerprints"). Schemas are fingerprinted once per table version, so BigInt
 * arithmetic is fast enough and keeps the code close to the spec's reference.
 */

const MASK64 = 0xffffffffffffffffn;

/** The fingerprint of the empty input, and the polynomial of the reduction. */
export const RABIN_EMPTY = 0xc15d213aa4d7a795n;

const TABLE: readonly bigint[] = (() => {
  const table: bigint[] = new Array<bigint>(256);
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) {
      fp = (fp >> 1n) ^ (RABIN_EMPTY & -(fp & 1n) & MASK64);
    }
    table[i] = fp;
  }
  return table;
})();

/** The unsigned 64-bit CRC-64-AVRO fingerprint of `bytes`. */
export function rabinFingerprint64(bytes: Uint8Array): bigint {
  let fp = RABIN_EMPTY;
  for (let i = 0; i < bytes.length; i++) {
    fp = (fp >> 8n) ^ (TABLE[Number((fp ^ BigInt(bytes[i]!)) & 0xffn)] as bigint);
  }
  return fp;
}

/**
 * Tributary's text for a fingerprint: the 64-bit value as 16 lowercase hex digits,
 * most significant first. Single-object frames carry the same value little-endian, so
 * the frame's bytes 2..9 read backwards spell this text.
 */
export function fingerprintToHex(fp: bigint): string {
  return fp.toString(16).padStart(16, '0');
}

/** Parses the 16-hex-digit text back; null when it is not exactly that. */
export function fingerprintFromHex(hex: string): bigint | null {
  return /^[0-9a-fA-F]{16}$/.test(hex) ? BigInt(`0x${hex}`) : null;
}
