import type { Type } from 'avsc';
import type { ChangeEvent, Row } from '../model/change-event.js';
import type { TableSchema } from '../model/table-schema.js';
import { TributaryError } from '../errors/tributary-error.js';
import { avroTypeFor } from './avro-type-for.js';
import { FrameWriter } from './frame-writer.js';
import { fingerprintToHex } from './rabin-fingerprint.js';
import { schemaFingerprint } from './schema-fingerprint.js';
import { loadSharedSchemas, type SharedSchemas } from './shared-schemas.js';
import { frameHeader } from './single-object-frame.js';
import { buildTableAvroSchemas } from './table-avro-schemas.js';
import type { RegisteredSchema, SchemaRegistration } from './registry/schema-registration.js';

export interface EnvelopeEncoderOptions {
  /** The pipeline name, published as `source.name`. */
  connectorName: string;
  /** First part of every table's Avro namespace (`<namespace>.<db>.<table>`), e.g. the topic prefix. */
  namespace: string;
  /** Tributary's version, published as `source.version`. */
  version: string;
  /** Published as `source.connector`; default `mysql`. */
  connector?: string;
  /**
   * Registry mode: frames are Confluent's (magic byte 0, 4-byte schema id) with ids from
   * this registration, and no schema is queued for the schemas topic.
   */
  registry?: SchemaRegistration;
}

/** A schema to publish on the schemas topic: key = `fingerprint`, value = `schema`. */
export interface PublishedSchema {
  /** 16 lowercase hex digits, most significant first (see `fingerprintToHex`). */
  fingerprint: string;
  /** The schema's JSON text, logical-type attributes included. */
  schema: string;
}

export interface EncodedChange {
  /** Framed key; null for a table without a primary key. */
  key: Buffer | null;
  /** Framed envelope. */
  value: Buffer;
  keySchemaId: string | null;
  valueSchemaId: string;
}

/** The encoding state of one table version, built once and reused for every row. */
interface TableCodec {
  label: string;
  keyType: Type | null;
  keyHeader: Buffer | null;
  keySchemaId: string | null;
  valueType: Type;
  valueHeader: Buffer;
  valueSchemaId: string;
  /** MySQL column names and their Avro field names, only when some differ. */
  rename: { from: readonly string[]; to: readonly string[] } | null;
  published: { key: PublishedSchema | null; value: PublishedSchema };
  /** Registry mode: told of each frame, so frames written before the id was known get it. */
  keyStamp: RegisteredSchema | null;
  valueStamp: RegisteredSchema | null;
}

/**
 * Turns ChangeEvents into framed Avro key and value bytes (Avro single-object encoding,
 * or with `registry` the Confluent wire format; docs/message-format.md). Types are built once per TableSchema object; per row,
 * encode() reuses one envelope object and one scratch buffer and allocates only the two
 * output buffers (plus renamed row copies for tables whose column names needed
 * sanitizing). Longs accept JS safe integers or bigint (see `bigintLongType`).
 *
 * A schema used for the first time is queued for `takeNewSchemas()`; the caller must
 * publish it before it sends the first message that uses it.
 */
export class EnvelopeEncoder {
  private readonly codecs = new WeakMap<TableSchema, TableCodec>();
  private readonly knownFingerprints = new Set<string>();
  private pending: PublishedSchema[] = [];
  private readonly writer = new FrameWriter();
  private readonly shared: SharedSchemas;
  private readonly options: EnvelopeEncoderOptions;
  // Reused for every row: the envelope and source records are only read while encoding.
  private readonly source: Record<string, unknown>;
  private readonly envelope: Record<string, unknown>;

  constructor(options: EnvelopeEncoderOptions) {
    this.options = options;
    this.shared = loadSharedSchemas();
    this.source = {
      version: options.version,
      connector: options.connector ?? 'mysql',
      name: options.connectorName,
      ts_ms: 0,
      snapshot: 'false',
      db: '',
      sequence: null,
      ts_us: null,
      ts_ns: null,
      table: null,
      server_id: 0,
      gtid: null,
      file: '',
      pos: 0,
      row: 0,
      thread: null,
      query: null,
    };
    this.envelope = { before: null, after: null, source: this.source, op: '', ts_ms: null, ts_us: null, ts_ns: null, transaction: null };
  }

  /** Encodes one change. `tsMs` is the processing time published as the envelope's `ts_ms`. */
  encode(event: ChangeEvent, tsMs: number): EncodedChange {
    const codec = this.codecFor(event.schema);
    const before = codec.rename && event.before ? renameRow(event.before, codec.rename) : event.before;
    const after = codec.rename && event.after ? renameRow(event.after, codec.rename) : event.after;

    let key: Buffer | null = null;
    // A `t` event concerns the whole table: it has no row, so no key.
    if (codec.keyType && event.op !== 't') {
      const keyRow = event.op === 'd' ? before : after;
      if (!keyRow) throw missingImage(event, codec);
      key = this.frame(codec, codec.keyHeader!, codec.keyType, keyRow, 'key');
    }

    const s = event.source;
    const src = this.source;
    src.ts_ms = s.ts_ms;
    // Debezium 2.6+ consumers read the finer timestamps; Tributary's clock is milliseconds.
    // ts_ns stays null (Debezium's field is optional): epoch nanoseconds pass 2^53, and
    // readers whose longs are JS numbers (avsc's default, so the Confluent JS client)
    // throw on the whole record; it would carry nothing beyond ts_ms anyway.
    src.ts_us = s.ts_ms * 1000;
    src.snapshot = s.snapshot;
    src.db = s.db;
    src.table = s.table;
    src.server_id = s.server_id;
    src.gtid = s.gtid;
    src.file = s.file;
    src.pos = s.pos;
    src.row = s.row;
    src.thread = s.thread;
    src.query = s.query;
    const env = this.envelope;
    env.before = before;
    env.after = after;
    env.op = event.op;
    env.ts_ms = tsMs;
    env.ts_us = tsMs * 1000;
    env.transaction = event.transaction;
    try {
      const value = this.frame(codec, codec.valueHeader, codec.valueType, env, 'value');
      return { key, value, keySchemaId: codec.keySchemaId, valueSchemaId: codec.valueSchemaId };
    } finally {
      // Do not keep row images alive between calls.
      env.before = null;
      env.after = null;
      env.transaction = null;
    }
  }

  /** The framed key of a delete's tombstone (sent with a null value); null for a table without a primary key. */
  tombstone(event: ChangeEvent): Buffer | null {
    const codec = this.codecFor(event.schema);
    if (!codec.keyType) return null;
    const image = event.before ?? event.after;
    if (!image) throw missingImage(event, codec);
    const row = codec.rename ? renameRow(image, codec.rename) : image;
    return this.frame(codec, codec.keyHeader!, codec.keyType, row, 'key');
  }

  /** Schemas first used since the last call, in first-use order, each returned once. */
  takeNewSchemas(): PublishedSchema[] {
    const taken = this.pending;
    this.pending = [];
    return taken;
  }

  /**
   * Registry mode: null when every schema used so far has its id in the frames written
   * with it; else a promise that resolves once they have (or rejects with the registry's
   * refusal). A batch must not be sent before it resolves. Always null without a registry.
   */
  registered(): Promise<void> | null {
    return this.options.registry?.settled() ?? null;
  }

  /** The key and value schemas of a table version (queues them like encode() would). */
  schemasFor(table: TableSchema): { key: PublishedSchema | null; value: PublishedSchema } {
    return this.codecFor(table).published;
  }

  private codecFor(table: TableSchema): TableCodec {
    let codec = this.codecs.get(table);
    if (!codec) {
      codec = this.buildCodec(table);
      this.codecs.set(table, codec);
    }
    return codec;
  }

  private buildCodec(table: TableSchema): TableCodec {
    const schemas = buildTableAvroSchemas(table, this.options.namespace, this.shared, this.options.registry === undefined);
    const label = `${table.db}.${table.table}`;
    const key = schemas.key ? this.prepare(schemas.key, label, table, 'key') : null;
    const value = this.prepare(schemas.value, label, table, 'value');
    const from = table.columns.map((c) => c.name);
    const renamed = schemas.fieldNames.some((name, i) => name !== from[i]);
    return {
      label,
      keyType: key?.type ?? null,
      keyHeader: key?.header ?? null,
      keySchemaId: key?.published.fingerprint ?? null,
      valueType: value.type,
      valueHeader: value.header,
      valueSchemaId: value.published.fingerprint,
      rename: renamed ? { from, to: schemas.fieldNames } : null,
      published: { key: key?.published ?? null, value: value.published },
      keyStamp: key?.stamp ?? null,
      valueStamp: value.stamp,
    };
  }

  private prepare(
    schema: Record<string, unknown>,
    label: string,
    table: TableSchema,
    part: 'key' | 'value',
  ): { type: Type; header: Buffer; published: PublishedSchema; stamp: RegisteredSchema | null } {
    let type: Type;
    try {
      type = avroTypeFor(schema);
    } catch (err) {
      throw new TributaryError(`cannot build the Avro schema of ${label}: ${(err as Error).message}`, {
        code: 'ENCODE',
        cause: err,
        fix: 'a column type maps to an invalid Avro type; report it as a bug with the table DDL',
      });
    }
    const fp = schemaFingerprint(schema);
    const published = { fingerprint: fingerprintToHex(fp), schema: JSON.stringify(schema) };
    const registry = this.options.registry;
    if (registry) {
      const registered = registry.schemaFor(table, part, schema);
      return { type, header: registered.header, published, stamp: registered };
    }
    if (!this.knownFingerprints.has(published.fingerprint)) {
      this.knownFingerprints.add(published.fingerprint);
      this.pending.push(published);
    }
    return { type, header: frameHeader(fp), published, stamp: null };
  }

  private frame(codec: TableCodec, header: Buffer, type: Type, value: unknown, part: 'key' | 'value'): Buffer {
    try {
      const frame = this.writer.write(header, type, value);
      (part === 'key' ? codec.keyStamp : codec.valueStamp)?.stamp(frame);
      return frame;
    } catch (err) {
      throw invalidValue(codec, type, value, part, err);
    }
  }
}

function renameRow(row: Row, rename: { from: readonly string[]; to: readonly string[] }): Row {
  const out: Row = {};
  for (let i = 0; i < rename.from.length; i++) out[rename.to[i]!] = row[rename.from[i]!];
  return out;
}

function missingImage(event: ChangeEvent, codec: TableCodec): TributaryError {
  const image = event.op === 'd' ? 'before' : 'after';
  return new TributaryError(`${event.op} change on ${codec.label} has no ${image} image to take the key from`, {
    code: 'ENCODE',
    fix: 'set binlog_row_image=FULL on the server; if it is, report this as a bug',
  });
}

/** Names the offending field: avsc's own message does not say where the bad value is. */
function invalidValue(codec: TableCodec, type: Type, value: unknown, part: string, cause: unknown): TributaryError {
  const problems: string[] = [];
  type.isValid(value, {
    errorHook: (path: string[], any: unknown, t: Type) => {
      if (problems.length < 3) problems.push(`${path.join('.') || '(root)'} = ${describe(any)} is not a valid ${JSON.stringify(t.schema())}`);
    },
  });
  const detail = problems.length > 0 ? problems.join('; ') : (cause as Error).message;
  return new TributaryError(`cannot encode the ${part} of a change on ${codec.label}: ${detail}`, {
    code: 'ENCODE',
    cause,
    fix: 'a column value does not match its Avro type; report it as a bug with the column type and value',
  });
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (value === undefined) return 'undefined (column missing from the row)';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? '[array]' : '{object}';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
