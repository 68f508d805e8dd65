import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangeEvent, Row, SourceInfo } from '../../../src/model/change-event.js';
import type { ColumnSpec, TableSchema } from '../../../src/model/table-schema.js';
import { EnvelopeEncoder, type PublishedSchema } from '../../../src/encode/envelope-encoder.js';
import { FrameDecoder } from '../../../src/encode/frame-decoder.js';
import { parsingCanonicalForm } from '../../../src/encode/canonical-form.js';
import { schemaFingerprint } from '../../../src/encode/schema-fingerprint.js';
import { fingerprintToHex } from '../../../src/encode/rabin-fingerprint.js';
import { geometryAvroType } from '../../../src/source/schema/geometry-value.js';

const OPTIONS = { connectorName: 'shop-cdc', namespace: 'tributary', version: '0.1.0' };

function col(name: string, avro: ColumnSpec['avro'], nullable = false, sqlType = 'x'): ColumnSpec {
  return { name, avro, nullable, sqlType };
}

function source(overrides: Partial<SourceInfo> = {}): SourceInfo {
  return {
    ts_ms: 1_700_000_000_123,
    snapshot: 'false',
    db: 'shop',
    table: 'orders',
    server_id: 4_000_000_001,
    gtid: '0-1-42',
    file: 'mysql-bin.000003',
    pos: 5_000_000_123,
    row: 2,
    thread: 77,
    query: null,
    ...overrides,
  };
}

function event(schema: TableSchema, op: ChangeEvent['op'], before: Row | null, after: Row | null): ChangeEvent {
  return { op, schema, before, after, source: source({ db: schema.db, table: schema.table }), transaction: null };
}

/** avsc decodes records into class instances; compare their data as plain objects. */
function plain(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.map(plain);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
}

function decoderFor(schemas: PublishedSchema[]): FrameDecoder {
  const decoder = new FrameDecoder();
  for (const s of schemas) decoder.addSchema(s.fingerprint, s.schema);
  return decoder;
}

const BIG = 2n ** 60n + 7n; // above 2^53: must survive exactly

const allTypes: TableSchema = {
  db: 'shop',
  table: 'orders',
  primaryKey: ['id', 'region'],
  columns: [
    col('id', 'long'),
    col('region', 'int'),
    col('flag', 'boolean'),
    col('ratio', 'float'),
    col('amount', 'double'),
    col('note', 'string', true),
    col('blob', 'bytes', true),
    col('price', { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 }),
    col('day', { type: 'int', logicalType: 'date' }),
    col('created', { type: 'long', logicalType: 'timestamp-micros' }),
    col('at', { type: 'long', 'connect.name': 'io.debezium.time.MicroTime' }, true),
    col('uuid', { type: 'fixed', name: 'uuid_bin', size: 4 }),
    col('status', { type: 'enum', name: 'status', symbols: ['new', 'paid'] }, true),
    col('counter', 'long', true),
  ],
};

const fullRow: Row = {
  id: BIG,
  region: -3,
  flag: true,
  ratio: 1.5,
  amount: -1234.5678,
  note: 'héllo',
  blob: Buffer.from([0, 1, 255]),
  price: Buffer.from([0x30, 0x39]), // 12345 unscaled
  day: 19_700,
  created: 1_700_000_000_123_456n,
  at: 86_399_999_999n,
  uuid: Buffer.from([1, 2, 3, 4]),
  status: 'paid',
  counter: -(2n ** 63n),
};

const nullRow: Row = { ...fullRow, note: null, blob: null, at: null, status: null, counter: null };

test('an insert round-trips every Avro physical type, bigint longs above 2^53 and nulls', () => {
  const encoder = new EnvelopeEncoder(OPTIONS);
  const insert = { ...event(allTypes, 'c', null, fullRow), transaction: { id: '0-1-42', total_order: 3, data_collection_order: 1 } };
  const encoded = encoder.encode(insert, 1_700_000_000_999);
  const decoder = decoderFor(encoder.takeNewSchemas());

  const value = decoder.decode(encoded.value);
  assert.equal(value.fingerprint, encoded.valueSchemaId);
  assert.deepStrictEqual(plain(value.value), {
    before: null,
    after: fullRow,
    source: {
      version: '0.1.0',
      connector: 'mysql',
      name: 'shop-cdc',
      ts_ms: 1_700_000_000_123n,
      snapshot: 'false',
      db: 'shop',
      sequence: null,
      ts_us: 1_700_000_000_123_000n,
      ts_ns: null,
      table: 'orders',
      server_id: 4_000_000_001n,
      gtid: '0-1-42',
      file: 'mysql-bin.000003',
      pos: 5_000_000_123n,
      row: 2,
      thread: 77n,
      query: null,
    },
    op: 'c',
    ts_ms: 1_700_000_000_999n,
    ts_us: 1_700_000_000_999_000n,
    ts_ns: null,
    transaction: { id: '0-1-42', total_order: 3n, data_collection_order: 1n },
  });
  assert.deepStrictEqual(plain(decoder.decode(encoded.key!).value), { id: BIG, region: -3 });
  assert.equal(decoder.decode(encoded.key!).fingerprint, encoded.keySchemaId);

  const update = encoder.encode(event(allTypes, 'u', fullRow, nullRow), 5);
  const decoded = plain(decoder.decode(update.value).value) as Record<string, unknown>;
  assert.deepStrictEqual(decoded.before, fullRow);
  assert.deepStrictEqual(decoded.after, nullRow);
  assert.equal(decoded.op, 'u');
  assert.equal(decoded.transaction, null);
});

test('frames are C3 01, the fingerprint little-endian, then the Avro body', () => {
  const table: TableSchema = { db: 'shop', table: 'items', primaryKey: ['id'], columns: [col('id', 'long'), col('n', 'int')] };
  const encoder = new EnvelopeEncoder(OPTIONS);
  const { key, keySchemaId, value, valueSchemaId } = encoder.encode(event(table, 'c', null, { id: 1n, n: 0 }), 0);
  const [keySchema, valueSchema] = encoder.takeNewSchemas();

  assert.equal(keySchema!.fingerprint, keySchemaId);
  assert.equal(valueSchema!.fingerprint, valueSchemaId);
  assert.match(
    parsingCanonicalForm(JSON.parse(keySchema!.schema)),
    /^\{"name":"tributary\.shop\.items\.v[0-9a-f]{16}\.Key","type":"record","fields":\[\{"name":"id","type":"long"\}\]\}$/,
  );
  const keyFp = schemaFingerprint(JSON.parse(keySchema!.schema));
  assert.equal(keySchemaId, fingerprintToHex(keyFp));
  const le = Buffer.alloc(8);
  le.writeBigUInt64LE(keyFp);
  // long 1 zig-zags to the single byte 02.
  assert.deepStrictEqual(key, Buffer.concat([Buffer.from([0xc3, 0x01]), le, Buffer.from([0x02])]));
  // The id text is the header's 8 fingerprint bytes read backwards.
  assert.equal(Buffer.from(value.subarray(2, 10)).reverse().toString('hex'), valueSchemaId);
  assert.deepStrictEqual([...value.subarray(0, 2)], [0xc3, 0x01]);
});

test('a table without a primary key has a null key and no key schema', () => {
  const table: TableSchema = { db: 'shop', table: 'log', primaryKey: [], columns: [col('msg', 'string')] };
  const encoder = new EnvelopeEncoder(OPTIONS);
  const encoded = encoder.encode(event(table, 'd', { msg: 'bye' }, null), 1);
  assert.equal(encoded.key, null);
  assert.equal(encoded.keySchemaId, null);
  assert.equal(encoder.tombstone(event(table, 'd', { msg: 'bye' }, null)), null);
  const schemas = encoder.takeNewSchemas();
  assert.deepStrictEqual(schemas.map((s) => s.fingerprint), [encoded.valueSchemaId]);
  const decoded = plain(decoderFor(schemas).decode(encoded.value).value) as Record<string, unknown>;
  assert.deepStrictEqual([decoded.before, decoded.after, decoded.op], [{ msg: 'bye' }, null, 'd']);
});

test('a delete takes its key from the before image, and its tombstone key is the same bytes', () => {
  const table: TableSchema = { db: 'shop', table: 'items', primaryKey: ['id'], columns: [col('id', 'long'), col('n', 'int')] };
  const encoder = new EnvelopeEncoder(OPTIONS);
  const del = event(table, 'd', { id: BIG, n: 1 }, null);
  const encoded = encoder.encode(del, 1);
  assert.deepStrictEqual(encoder.tombstone(del), encoded.key);
  const decoder = decoderFor(encoder.takeNewSchemas());
  assert.deepStrictEqual(plain(decoder.decode(encoded.key!).value), { id: BIG });
  assert.throws(() => encoder.encode(event(table, 'd', null, null), 1), { code: 'ENCODE', message: /d change on shop\.items has no before image/ });
});

test('decimal(10,2) and decimal(12,4) versions of a table get their own fingerprints and scales', () => {
  const version = (precision: number, scale: number): TableSchema => ({
    db: 'shop',
    table: 'prices',
    primaryKey: ['id'],
    columns: [col('id', 'int'), col('price', { type: 'bytes', logicalType: 'decimal', precision, scale })],
  });
  const v1 = version(10, 2);
  const v2 = version(12, 4);
  const encoder = new EnvelopeEncoder(OPTIONS);
  const unscaled = Buffer.from([0x30, 0x39]); // 12345
  const a = encoder.encode(event(v1, 'c', null, { id: 1, price: unscaled }), 1);
  const b = encoder.encode(event(v2, 'c', null, { id: 1, price: unscaled }), 1);
  assert.notEqual(a.valueSchemaId, b.valueSchemaId);
  assert.equal(a.keySchemaId, b.keySchemaId); // the key did not change, so neither did its schema

  const decoder = decoderFor(encoder.takeNewSchemas());
  const asDecimal = (frame: Buffer): string => {
    const { fingerprint, value } = decoder.decode(frame);
    const envelope = JSON.parse(decoder.schemaJson(fingerprint)!);
    const row = envelope.fields[0].type[1];
    const { scale } = row.fields[1].type;
    const digits = (plain(value) as { after: { price: Buffer } }).after.price.readInt16BE(0).toString();
    return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  };
  assert.equal(asDecimal(a.value), '123.45');
  assert.equal(asDecimal(b.value), '1.2345');
});

test('column names are sanitized to unique Avro names and keep their MySQL spelling', () => {
  const table: TableSchema = {
    db: 'my-shop',
    table: '2024 orders',
    primaryKey: ['order-id'],
    columns: [col('order-id', 'long'), col('order_id', 'string'), col('unit price', 'int', true)],
  };
  const encoder = new EnvelopeEncoder(OPTIONS);
  const row = { 'order-id': 9n, order_id: 'A-9', 'unit price': 5 };
  const encoded = encoder.encode(event(table, 'r', null, row), 1);
  const schemas = encoder.takeNewSchemas();
  const value = JSON.parse(schemas[1]!.schema);
  assert.match(value.namespace, /^tributary\.my_shop\._2024_orders\.v[0-9a-f]{16}$/);
  assert.deepStrictEqual(value.fields[0].type[1].fields, [
    { name: 'order_id_2', type: 'long', mysql_name: 'order-id' },
    { name: 'order_id', type: 'string' },
    { name: 'unit_price', type: ['null', 'int'], default: null, mysql_name: 'unit price' },
  ]);
  const decoder = decoderFor(schemas);
  assert.deepStrictEqual(plain(decoder.decode(encoded.key!).value), { order_id_2: 9n });
  assert.deepStrictEqual((plain(decoder.decode(encoded.value).value) as Record<string, unknown>).after, {
    order_id_2: 9n,
    order_id: 'A-9',
    unit_price: 5,
  });
});

test('the published envelope schema keeps logical-type attributes and the shared records', () => {
  const encoder = new EnvelopeEncoder(OPTIONS);
  const { value } = encoder.schemasFor(allTypes);
  const envelope = JSON.parse(value.schema);
  assert.equal(envelope.name, 'Envelope');
  assert.deepStrictEqual(envelope.fields.map((f: { name: string }) => f.name), ['before', 'after', 'source', 'op', 'ts_ms', 'ts_us', 'ts_ns', 'transaction']);
  assert.deepStrictEqual(envelope.fields[1].type, ['null', 'Value']);
  assert.equal(envelope.fields[2].type.name, 'Source');
  assert.equal(envelope.fields[2].type.namespace, 'io.tributary');
  assert.equal(envelope.fields[7].type[1].name, 'Transaction');
  // Debezium's Connect names, which its consumers dispatch on.
  assert.equal(envelope.fields[2].type['connect.name'], 'io.debezium.connector.mysql.Source');
  assert.equal(envelope.fields[7].type[1]['connect.name'], 'event.block');
  const snapshot = envelope.fields[2].type.fields.find((f: { name: string }) => f.name === 'snapshot');
  assert.deepStrictEqual(snapshot.type[0]['connect.parameters'], {
    allowed: 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental',
  });
  assert.equal(snapshot.type[0]['connect.name'], 'io.debezium.data.Enum');
  assert.equal(snapshot.default, 'false');
  const created = envelope.fields[0].type[1].fields.find((f: { name: string }) => f.name === 'created');
  assert.deepStrictEqual(created.type, { type: 'long', logicalType: 'timestamp-micros' });
});

test('types are built once per TableSchema object and each schema is queued once', () => {
  const encoder = new EnvelopeEncoder(OPTIONS);
  const first = encoder.encode(event(allTypes, 'c', null, fullRow), 1);
  assert.equal(encoder.takeNewSchemas().length, 2);
  const published = encoder.schemasFor(allTypes);
  encoder.encode(event(allTypes, 'u', fullRow, fullRow), 2);
  assert.equal(encoder.schemasFor(allTypes), published); // same cached codec
  assert.deepStrictEqual(encoder.takeNewSchemas(), []);

  // A new TableSchema object with the same shape (e.g. after an unrelated DDL) yields the
  // same fingerprints and nothing new to publish.
  const copy: TableSchema = { ...allTypes, columns: [...allTypes.columns] };
  const again = encoder.encode(event(copy, 'c', null, fullRow), 1);
  assert.notEqual(encoder.schemasFor(copy), published);
  assert.equal(again.valueSchemaId, first.valueSchemaId);
  assert.deepStrictEqual(encoder.takeNewSchemas(), []);
});

test('a value that does not fit its column type fails with an ENCODE error naming the column', () => {
  const encoder = new EnvelopeEncoder(OPTIONS);
  assert.throws(() => encoder.encode(event(allTypes, 'c', null, { ...fullRow, counter: 1.5 }), 1), {
    code: 'ENCODE',
    message: /cannot encode the value of a change on shop\.orders: after\.counter = 1\.5 is not a valid/,
  });
  assert.throws(() => encoder.encode(event(allTypes, 'c', null, { ...fullRow, id: 'x' }), 1), {
    code: 'ENCODE',
    message: /cannot encode the key of a change on shop\.orders: id = "x"/,
  });
});

test('a truncate (op t) has no key and null images, with the statement in source.query; an empty table schema encodes too', () => {
  const table: TableSchema = { db: 'shop', table: 'items', primaryKey: ['id'], columns: [col('id', 'long'), col('n', 'int')] };
  const columnless: TableSchema = { db: 'shop', table: 'gone', primaryKey: [], columns: [] };
  const encoder = new EnvelopeEncoder(OPTIONS);
  const truncate = { ...event(table, 't', null, null), source: source({ table: 'items', row: 0, query: 'TRUNCATE TABLE items' }) };
  const encoded = encoder.encode(truncate, 9);
  assert.equal(encoded.key, null);
  const marker = encoder.encode({ ...event(columnless, 't', null, null), source: source({ table: 'gone', query: 'DROP TABLE `gone`' }) }, 9);
  assert.equal(marker.key, null);
  const decoder = decoderFor(encoder.takeNewSchemas());
  const decoded = plain(decoder.decode(encoded.value).value) as Record<string, unknown>;
  assert.deepStrictEqual([decoded.before, decoded.after, decoded.op, (decoded.source as SourceInfo).query], [null, null, 't', 'TRUNCATE TABLE items']);
  const gone = plain(decoder.decode(marker.value).value) as Record<string, unknown>;
  assert.deepStrictEqual([gone.op, (gone.source as SourceInfo).table, (gone.source as SourceInfo).query], ['t', 'gone', 'DROP TABLE `gone`']);
});

test('table versions that differ only in a DECIMAL scale get different standard fingerprints; the key stays', () => {
  const version = (scale: number): TableSchema => ({
    db: 'shop',
    table: 'prices',
    primaryKey: ['id'],
    columns: [col('id', 'long'), col('p', { type: 'bytes', logicalType: 'decimal', precision: 12, scale })],
  });
  const encoder = new EnvelopeEncoder(OPTIONS);
  const a = encoder.encode(event(version(2), 'c', null, { id: 1n, p: Buffer.from([0x30, 0x39]) }), 0);
  const b = encoder.encode(event(version(4), 'c', null, { id: 1n, p: Buffer.from([0x30, 0x39]) }), 0);
  const schemas = encoder.takeNewSchemas();
  assert.equal(schemas.length, 3, 'one key schema, two envelopes');
  assert.notEqual(a.valueSchemaId, b.valueSchemaId);
  // The key did not change, so its bytes did not: a compacted topic still sees one key.
  assert.deepStrictEqual(a.key, b.key);
  for (const s of schemas) assert.equal(s.fingerprint, fingerprintToHex(schemaFingerprint(JSON.parse(s.schema))));
  const [va, vb] = [a.valueSchemaId, b.valueSchemaId].map((id) => JSON.parse(schemas.find((s) => s.fingerprint === id)!.schema));
  assert.notEqual(va.namespace, vb.namespace);
  assert.deepStrictEqual([va.name, vb.name], ['Envelope', 'Envelope']);
  const decoder = decoderFor(schemas);
  const after = (frame: Buffer) => (plain(decoder.decode(frame).value) as { after: { p: Buffer } }).after.p;
  assert.deepStrictEqual([after(a.value), after(b.value)], [Buffer.from([0x30, 0x39]), Buffer.from([0x30, 0x39])]);
  // Same table version, another encoder (a restart): the same names and fingerprints.
  assert.equal(new EnvelopeEncoder(OPTIONS).schemasFor(version(4)).value.fingerprint, b.valueSchemaId);
});

test('a connect.name alone (TIME as MicroTime) also makes another generation', () => {
  const version = (avro: ColumnSpec['avro']): TableSchema => ({ db: 'shop', table: 't', primaryKey: [], columns: [col('tm', avro)] });
  const encoder = new EnvelopeEncoder(OPTIONS);
  const plainLong = encoder.schemasFor(version('long')).value;
  const micro = encoder.schemasFor(version({ type: 'long', 'connect.name': 'io.debezium.time.MicroTime' })).value;
  assert.notEqual(plainLong.fingerprint, micro.fingerprint);
  assert.deepStrictEqual(JSON.parse(micro.schema).fields[0].type[1].fields[0].type, { type: 'long', 'connect.name': 'io.debezium.time.MicroTime' });
});

test('geometry records are defined once per schema and referenced by name after; key and value each define their own', () => {
  const table: TableSchema = {
    db: 'geo',
    table: 'shapes',
    primaryKey: ['id', 'area'],
    columns: [
      col('id', 'int'),
      col('area', geometryAvroType('polygon')),
      col('outline', geometryAvroType('linestring'), true),
      col('at', geometryAvroType('point'), true),
      col('spot', geometryAvroType('point')),
    ],
  };
  const wkb = (hex: string) => Buffer.from(hex, 'hex');
  const row: Row = {
    id: 1,
    area: { wkb: wkb('0103000000'), srid: 4326 },
    outline: { wkb: wkb('0102000000'), srid: null },
    at: null,
    spot: { x: 1.5, y: -2, wkb: wkb('0101000000000000000000f83f00000000000000c0'), srid: 3857 },
  };
  const encoder = new EnvelopeEncoder(OPTIONS);
  const encoded = encoder.encode(event(table, 'c', null, row), 1);
  const schemas = encoder.takeNewSchemas();
  const decoder = decoderFor(schemas); // parses both: a second definition of a name would throw
  assert.deepStrictEqual(plain(decoder.decode(encoded.key!).value), { id: 1, area: row.area });
  assert.deepStrictEqual((plain(decoder.decode(encoded.value).value) as Record<string, unknown>).after, row);

  const [keySchema, valueSchema] = schemas.map((s) => JSON.parse(s.schema) as { fields: { name: string; type: unknown }[] });
  assert.deepStrictEqual(keySchema!.fields[1]!.type, geometryAvroType('polygon'));
  const value = valueSchema!.fields[0]!.type as unknown[];
  const rowFields = (value[1] as { fields: { name: string; type: unknown }[] }).fields;
  assert.deepStrictEqual(rowFields.map((f) => f.type), [
    'int',
    geometryAvroType('polygon'),
    ['null', 'io.debezium.data.geometry.Geometry'],
    ['null', geometryAvroType('point')],
    'io.debezium.data.geometry.Point',
  ]);
});
