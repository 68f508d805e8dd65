import { TributaryError } from '../errors/tributary-error.js';

/**
 * Avro single-object encoding (Avro spec, "Single object encoding"): the two marker
 * bytes C3 01, the schema's 64-bit fingerprint little-endian, then the Avro binary body.
 * Tributary uses its own fingerprint (docs/schema-fingerprints.md) in those 8 bytes.
 */
export const FRAME_MARKER_0 = 0xc3;
export const FRAME_MARKER_1 = 0x01;
export const FRAME_HEADER_LENGTH = 10;

/** The 10 header bytes for a schema with fingerprint `fp`. */
export function frameHeader(fp: bigint): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_LENGTH);
  header[0] = FRAME_MARKER_0;
  header[1] = FRAME_MARKER_1;
  header.writeBigUInt64LE(fp, 2);
  return header;
}

/** The fingerprint in a frame's header; throws ENCODE when `frame` is not a single-object frame. */
export function frameFingerprint(frame: Uint8Array): bigint {
  if (frame.length < FRAME_HEADER_LENGTH || frame[0] !== FRAME_MARKER_0 || frame[1] !== FRAME_MARKER_1) {
    const start = Buffer.from(frame.subarray(0, 2)).toString('hex') || '(empty)';
    throw new TributaryError(
      `not an Avro single-object frame: expected marker c301 and at least ${FRAME_HEADER_LENGTH} bytes, got ${frame.length} bytes starting ${start}`,
      {
        code: 'ENCODE',
        fix: 'decode only message keys and values written by Tributary without a schema registry (Confluent-framed messages start with 00)',
      },
    );
  }
  return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).readBigUInt64LE(2);
}
