import type { Type } from 'avsc';
import { TributaryError } from '../errors/tributary-error.js';
import { avroTypeFor } from './avro-type-for.js';
import { fingerprintFromHex, fingerprintToHex } from './rabin-fingerprint.js';
import { legacySchemaFingerprint, schemaFingerprint } from './schema-fingerprint.js';
import { frameFingerprint, frameHeader, FRAME_HEADER_LENGTH } from './single-object-frame.js';

export interface DecodedFrame {
  /** The schema's fingerprint, 16 lowercase hex digits. */
  fingerprint: string;
  /** The decoded datum: longs as bigint, bytes as Buffer, logical types as their physical values. */
  value: unknown;
}

/**
 * Decodes Tributary's single-object frames (keys and envelopes) for consumers, tests and
 * `tributary schemas`. Feed it the schemas topic (key = fingerprint, value = schema JSON)
 * with addSchema(), then decode() message keys and values.
 */
export class FrameDecoder {
  private readonly types = new Map<bigint, { type: Type; json: string }>();

  /**
   * Registers a schema. Throws ENCODE when `schemaJson` is not valid Avro or its
   * fingerprint is not `fingerprintHex`, so a corrupted or mislabelled schemas-topic
   * record cannot silently decode data wrongly. The fingerprint is the standard one; the
   * one Tributary 0.1 wrote (logical attributes included) is accepted too, so messages
   * published before the upgrade still decode.
   */
  addSchema(fingerprintHex: string, schemaJson: string): void {
    const expected = fingerprintFromHex(fingerprintHex);
    if (expected === null) {
      throw new TributaryError(`schema fingerprint ${JSON.stringify(fingerprintHex)} is not 16 hex digits`, {
        code: 'ENCODE',
        fix: 'use the key of the schemas-topic record exactly as Tributary wrote it',
      });
    }
    if (this.types.has(expected)) return;
    let schema: unknown;
    let type: Type;
    try {
      schema = JSON.parse(schemaJson);
      type = avroTypeFor(schema);
    } catch (err) {
      throw new TributaryError(`schema ${fingerprintHex} is not a valid Avro schema: ${(err as Error).message}`, {
        code: 'ENCODE',
        cause: err,
        fix: 'use the value of the schemas-topic record exactly as Tributary wrote it',
      });
    }
    const actual = schemaFingerprint(schema);
    if (actual !== expected && legacySchemaFingerprint(schema) !== expected) {
      throw new TributaryError(
        `schema given for fingerprint ${fingerprintToHex(expected)} has fingerprint ${fingerprintToHex(actual)}`,
        {
          code: 'ENCODE',
          fix: 'pair each schema with its own schemas-topic key; fingerprints follow docs/schema-fingerprints.md',
        },
      );
    }
    this.types.set(expected, { type, json: schemaJson });
  }

  /** The JSON text added for a fingerprint, e.g. to read a decimal's scale; undefined when unknown. */
  schemaJson(fingerprintHex: string): string | undefined {
    const fp = fingerprintFromHex(fingerprintHex);
    return fp === null ? undefined : this.types.get(fp)?.json;
  }

  /** Whether a schema with this fingerprint has been added. */
  hasSchema(fingerprintHex: string): boolean {
    const fp = fingerprintFromHex(fingerprintHex);
    return fp !== null && this.types.has(fp);
  }

  /**
   * Frames a datum with a schema added here: a message derived from a decoded one (a
   * delete from the last after-image of a key) is written in exactly that schema.
   */
  frame(fingerprintHex: string, value: unknown): Buffer {
    const fp = fingerprintFromHex(fingerprintHex);
    const type = fp === null ? undefined : this.types.get(fp)?.type;
    if (fp === null || !type) {
      throw new TributaryError(`no schema known for fingerprint ${fingerprintHex}`, {
        code: 'ENCODE',
        fix: 'addSchema() the schema before framing with it',
      });
    }
    return Buffer.concat([frameHeader(fp), type.toBuffer(value)]);
  }

  /** Decodes one frame; throws ENCODE on a bad marker, an unknown fingerprint or a corrupt body. */
  decode(frame: Buffer): DecodedFrame {
    const fp = frameFingerprint(frame);
    const fingerprint = fingerprintToHex(fp);
    const type = this.types.get(fp)?.type;
    if (!type) {
      throw new TributaryError(`no schema known for fingerprint ${fingerprint}`, {
        code: 'ENCODE',
        fix: 'read the schemas topic (key = fingerprint) and addSchema() every record before decoding messages',
      });
    }
    try {
      return { fingerprint, value: type.fromBuffer(frame.subarray(FRAME_HEADER_LENGTH)) };
    } catch (err) {
      throw new TributaryError(`cannot decode a frame with schema ${fingerprint}: ${(err as Error).message}`, {
        code: 'ENCODE',
        cause: err,
        fix: 'the message is truncated or was not written with this schema; check the producer of the topic',
      });
    }
  }
}
