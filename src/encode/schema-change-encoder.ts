import type { Type } from 'avsc';
import type { SchemaChange } from '../model/schema-change.js';
import { avroTypeFor } from './avro-type-for.js';
import type { PublishedSchema } from './envelope-encoder.js';
import { fingerprintToHex } from './rabin-fingerprint.js';
import { schemaFingerprint } from './schema-fingerprint.js';
import { loadSharedSchemas, readSchema } from './shared-schemas.js';
import { frameHeader } from './single-object-frame.js';

export interface SchemaChangeEncoderOptions {
  /** The pipeline name, as `source.name`. */
  connectorName: string;
  version: string;
}

interface Codec {
  type: Type;
  header: Buffer;
  published: PublishedSchema;
}

/**
 * Frames schema-change messages like every other value (single-object framing), with the
 * fixed schemas of schemas/schema-change-key.avsc and schema-change-value.avsc; the
 * value's `source` is the shared Source record of the change envelopes.
 */
export class SchemaChangeEncoder {
  private readonly key: Codec;
  private readonly value: Codec;
  private pending: PublishedSchema[];

  constructor(private readonly options: SchemaChangeEncoderOptions) {
    const value = readSchema('schema-change-value.avsc');
    const fields = value['fields'] as { name: string; type: unknown }[];
    value['fields'] = fields.map((f) => (f.name === 'source' ? { ...f, type: loadSharedSchemas().source } : f));
    this.key = codec(readSchema('schema-change-key.avsc'));
    this.value = codec(value);
    this.pending = [this.key.published, this.value.published];
  }

  /** The two schemas, once: publish them before the first message. */
  takeNewSchemas(): PublishedSchema[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  encode(change: SchemaChange, nowMs: number): { key: Buffer; value: Buffer } {
    const value = {
      source: {
        version: this.options.version,
        connector: 'mysql',
        name: this.options.connectorName,
        ts_ms: change.ts_ms,
        snapshot: 'false',
        db: change.db,
        sequence: null,
        ts_us: change.ts_ms * 1000,
        ts_ns: null,
        table: change.tables[0]?.table ?? null,
        server_id: change.server_id,
        gtid: change.gtid,
        file: change.file,
        pos: change.pos,
        row: 0,
        thread: null,
        query: change.ddl,
      },
      ts_ms: nowMs,
      databaseName: change.db,
      ddl: change.ddl,
      kind: change.kind,
      tableChanges: change.tables.map((t) => ({
        type: t.type,
        id: `${t.db}.${t.table}`,
        previousId: t.previous,
        table: t.definition
          ? {
              primaryKeyColumnNames: t.definition.primaryKey,
              columns: t.definition.columns.map((c, i) => ({ name: c.name, typeName: c.type, position: i + 1, optional: c.nullable })),
            }
          : null,
      })),
    };
    return {
      key: Buffer.concat([this.key.header, this.key.type.toBuffer({ databaseName: change.db })]),
      value: Buffer.concat([this.value.header, this.value.type.toBuffer(value)]),
    };
  }
}

function codec(schema: Record<string, unknown>): Codec {
  const fp = schemaFingerprint(schema);
  return { type: avroTypeFor(schema), header: frameHeader(fp), published: { fingerprint: fingerprintToHex(fp), schema: JSON.stringify(schema) } };
}
