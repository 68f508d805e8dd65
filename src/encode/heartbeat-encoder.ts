import type { Type } from 'avsc';
import type { PublishedSchema } from './envelope-encoder.js';
import { avroTypeFor } from './avro-type-for.js';
import { fingerprintToHex } from './rabin-fingerprint.js';
import { schemaFingerprint } from './schema-fingerprint.js';
import { readSchema } from './shared-schemas.js';
import { frameHeader } from './single-object-frame.js';

interface Codec {
  type: Type;
  header: Buffer;
  published: PublishedSchema;
}

/**
 * Frames heartbeat messages (key {serverName}, value {ts_ms}, as Debezium's) like every
 * other value, single-object framing, with the fixed schemas of schemas/heartbeat-key.avsc
 * and heartbeat-value.avsc. The key never changes, so it is encoded once.
 */
export class HeartbeatEncoder {
  private readonly value: Codec;
  private readonly key: Buffer;
  private pending: PublishedSchema[];

  constructor(serverName: string) {
    const key = codec(readSchema('heartbeat-key.avsc'));
    this.value = codec(readSchema('heartbeat-value.avsc'));
    this.key = Buffer.concat([key.header, key.type.toBuffer({ serverName })]);
    this.pending = [key.published, this.value.published];
  }

  /** The two schemas, once: publish them before the first heartbeat. */
  takeNewSchemas(): PublishedSchema[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  encode(nowMs: number): { key: Buffer; value: Buffer } {
    return { key: this.key, value: Buffer.concat([this.value.header, this.value.type.toBuffer({ ts_ms: nowMs })]) };
  }
}

function codec(schema: Record<string, unknown>): Codec {
  const fp = schemaFingerprint(schema);
  return { type: avroTypeFor(schema), header: frameHeader(fp), published: { fingerprint: fingerprintToHex(fp), schema: JSON.stringify(schema) } };
}
