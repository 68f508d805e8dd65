import type { Type } from 'avsc';
import type { SchemaChange } from '../model/schema-change.js';
import { avroTypeFor } from './avro-type-for.js';
import type { PublishedSchema } from './envelope-encoder.js';
import { fingerprintToHex } from './rabin-fingerprint.js';
import { schemaFingerprint } from './schema-fingerprint.js';
import { loadSharedSchemas, readSchema } from './shared-schemas.js';
import { frameHeader } from './single-object-frame.js';
import type { RegisteredSchema, SchemaRegistration } from './registry/schema-registration.js';

export interface SchemaChangeEncoderOptions {
  /** The pipeline name, as `source.name`. */
  connectorName: string;
  version: string;
  /** Registry mode: Confluent frames, the two schemas registered under the topic's subjects. */
  registry?: { registration: SchemaRegistration; topic: string } | undefined;
}

interface Codec {
  type: Type;
  /** The single-object header, or in registry mode the registered schema's Confluent header. */
  header: Buffer;
  published: PublishedSchema;
  /** Registry mode: patches the schema id into frames written before it was known. */
  stamp: RegisteredSchema | null;
}

/**
 * Frames schema-change messages like every other value (single-object framing, or in registry
 * mode Confluent framing under the schema-change topic's own subjects), with the
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
    // In registry mode the registry holds them, as it holds the tables' schemas.
    this.pending = options.registry ? [] : [this.key.published, this.value.published];
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
    if (this.options.registry && this.key.stamp === null) {
      // Registered at the first schema change, so a pipeline that sees no DDL leaves no subject.
      register(this.key, 'key', this.options.registry);
      register(this.value, 'value', this.options.registry);
    }
    return { key: frame(this.key, { databaseName: change.db }), value: frame(this.value, value) };
  }
}

function register(c: Codec, part: 'key' | 'value', registry: NonNullable<SchemaChangeEncoderOptions['registry']>): void {
  const registered = registry.registration.schemaForTopic(registry.topic, part, JSON.parse(c.published.schema) as Record<string, unknown>, `${part} schema of the schema-change topic`);
  c.header = registered.header;
  c.stamp = registered;
}

function frame(c: Codec, value: unknown): Buffer {
  const out = Buffer.concat([c.header, c.type.toBuffer(value)]);
  c.stamp?.stamp(out);
  return out;
}

function codec(schema: Record<string, unknown>): Codec {
  const fp = schemaFingerprint(schema);
  return { type: avroTypeFor(schema), header: frameHeader(fp), published: { fingerprint: fingerprintToHex(fp), schema: JSON.stringify(schema) }, stamp: null };
}
