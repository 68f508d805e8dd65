/**
 * RecordSizeGuard's three policies on real encoded changes (EnvelopeEncoder, decoded back
 * with FrameDecoder): what a too-large change becomes, what the error and warnings say.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangeEvent, Row } from '../../../src/model/change-event.js';
import type { TableSchema } from '../../../src/model/table-schema.js';
import { EnvelopeEncoder } from '../../../src/encode/envelope-encoder.js';
import { FrameDecoder } from '../../../src/encode/frame-decoder.js';
import { RecordSizeGuard, TRUNCATED_HEADER, type OversizedPolicy } from '../../../src/sink/record-size-guard.js';
import { RecordSizeLimit } from '../../../src/sink/record-size-limit.js';
import type { OutboundMessage } from '../../../src/sink/kafka-sink.js';
import { TributaryError } from '../../../src/errors/tributary-error.js';
import type { Logger } from '../../../src/logger.js';

const LIMIT = 10_000;

const docs: TableSchema = {
  db: 'shop',
  table: 'docs',
  primaryKey: ['id'],
  columns: [
    { name: 'id', sqlType: 'int', nullable: false, avro: 'int' },
    { name: 'title', sqlType: 'varchar(200)', nullable: false, avro: 'string' },
    { name: 'body', sqlType: 'longtext', nullable: true, avro: 'string' },
    { name: 'blob', sqlType: 'longblob', nullable: true, avro: 'bytes' },
    { name: 'price', sqlType: 'decimal(10,2)', nullable: false, avro: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
  ],
};

function change(op: ChangeEvent['op'], before: Row | null, after: Row | null): ChangeEvent {
  return {
    op,
    schema: docs,
    before,
    after,
    source: { ts_ms: 1_764_640_000_000, snapshot: 'false', db: 'shop', table: 'docs', server_id: 1, gtid: '0-1-77', file: 'binlog.000002', pos: 4711, row: 0, thread: null, query: null },
    transaction: { id: '0-1-77', total_order: 3, data_collection_order: 1 },
  };
}

function row(id: number, body: string | null, blob: Buffer | null): Row {
  return { id, title: 'hello', body, blob, price: Buffer.from([0x30, 0x39]) }; // 123.45
}

function setup(policy: OversizedPolicy) {
  const lines: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (m) => void lines.push(m),
    error: (m) => void lines.push(`error ${m}`),
    child: () => logger,
  };
  const encoder = new EnvelopeEncoder({ connectorName: 'shop', namespace: 'shop', version: '0.0.0' });
  const limit = new RecordSizeLimit(LIMIT, 'none');
  const guard = new RecordSizeGuard({ limit, policy, skippedTopic: '_tributary_skipped', pipeline: 'shop', encoder, logger });
  const decoder = new FrameDecoder();
  const addSchemas = () => {
    for (const s of encoder.takeNewSchemas()) decoder.addSchema(s.fingerprint, s.schema);
  };
  return { guard, encoder, limit, lines, decoder, addSchemas };
}

describe('RecordSizeGuard', () => {
  it('fits() compares key + value + framing with the limit, to the byte', () => {
    const { guard, encoder, limit } = setup('fail');
    const small = encoder.encode(change('c', null, row(1, 'x', null)), 0);
    assert.equal(guard.fits(small), true);
    // Grow the body until the record is exactly at the limit, then one byte over.
    const base = limit.recordBytes(small.key, small.value);
    // base counts a 1-byte body; the body's length varint grows from 1 to 2 bytes, hence - 1.
    const over = encoder.encode(change('c', null, row(1, 'x'.repeat(limit.maxRecordBytes - base), null)), 0);
    const exact = encoder.encode(change('c', null, row(1, 'x'.repeat(limit.maxRecordBytes - base - 1), null)), 0);
    assert.equal(limit.recordBytes(exact.key, exact.value), limit.maxRecordBytes);
    assert.equal(guard.fits(exact), true);
    assert.equal(limit.recordBytes(over.key, over.value), limit.maxRecordBytes + 1);
    assert.equal(guard.fits(over), false);
  });

  it('fail: throws RECORD_TOO_LARGE naming table, key, position, size, limit and the fix', () => {
    const { guard, encoder, limit } = setup('fail');
    const event = change('u', row(42, 'old', null), row(42, 'y'.repeat(20_000), null));
    const encoded = encoder.encode(event, 0);
    const bytes = limit.recordBytes(encoded.key, encoded.value);
    const out: OutboundMessage[] = [];
    assert.throws(() => guard.oversized(event, 'shop.shop.docs', encoded, 0, out), (e: unknown) => {
      assert.ok(e instanceof TributaryError);
      assert.equal(e.code, 'RECORD_TOO_LARGE');
      assert.equal(e.retriable, false);
      assert.equal(e.message, `a u change on shop.docs with key {"id":42} at gtid 0-1-77 (binlog.000002:4711) is ${bytes} bytes as a Kafka record, over kafka.max_message_bytes (10000)`);
      assert.match(e.fix!, /message\.max\.bytes, the topic's max\.message\.bytes and kafka\.max_message_bytes together above \d+/);
      assert.match(e.fix!, /max\.partition\.fetch\.bytes and fetch\.max\.bytes/);
      assert.match(e.fix!, /kafka\.oversized = "skip" or "truncate"/);
      return true;
    });
    assert.equal(out.length, 0);
  });

  it('skip: a JSON marker on the skipped topic, nothing for the table topic, and a warning', () => {
    const { guard, encoder, limit, lines } = setup('skip');
    const event = change('c', null, row(7, 'z'.repeat(20_000), null));
    const encoded = encoder.encode(event, 0);
    const bytes = limit.recordBytes(encoded.key, encoded.value);
    const out: OutboundMessage[] = [];
    guard.oversized(event, 'shop.shop.docs', encoded, 0, out);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.topic, '_tributary_skipped');
    assert.equal(out[0]!.key!.toString(), 'shop.docs');
    assert.deepEqual(JSON.parse(out[0]!.value!.toString()), {
      reason: 'oversized',
      pipeline: 'shop',
      topic: 'shop.shop.docs',
      db: 'shop',
      table: 'docs',
      op: 'c',
      key: { id: 7 },
      bytes,
      max_message_bytes: 10_000,
      source: { ts_ms: 1_764_640_000_000, snapshot: 'false', gtid: '0-1-77', file: 'binlog.000002', pos: 4711, row: 0 },
      transaction: { id: '0-1-77', total_order: 3, data_collection_order: 1 },
    });
    assert.deepEqual(lines, [
      `skipped a c change on shop.docs key {"id":7} at gtid 0-1-77 (binlog.000002:4711): ${bytes} bytes, over kafka.max_message_bytes (10000); marker on _tributary_skipped`,
    ]);
  });

  it('truncate: cuts the longest column first, only as far as needed, and marks the record', () => {
    const { guard, encoder, limit, lines, decoder, addSchemas } = setup('truncate');
    const blob = Buffer.alloc(3_000, 7);
    const event = change('c', null, row(9, 'é'.repeat(10_000), blob)); // body 20000 bytes of UTF-8
    const encoded = encoder.encode(event, 5);
    addSchemas();
    const out: OutboundMessage[] = [];
    guard.oversized(event, 'shop.shop.docs', encoded, 5, out);
    assert.equal(out.length, 1);
    const m = out[0]!;
    assert.equal(m.topic, 'shop.shop.docs');
    assert.deepEqual(m.headers, { [TRUNCATED_HEADER]: '{"after.body":20000}' });
    assert.ok(limit.fits(limit.recordBytes(m.key, m.value, m.headers)));
    const after = (decoder.decode(m.value!).value as { after: { body: string; blob: Buffer; title: string; id: number } }).after;
    assert.equal(after.id, 9);
    assert.equal(after.title, 'hello');
    assert.deepEqual(after.blob, blob, 'the shorter column is left alone when cutting the longest is enough');
    assert.equal(after.body, 'é'.repeat(after.body.length), 'cut at a character boundary');
    // As long as it can be: within a character (2 bytes) and varint slack of the limit.
    const size = limit.recordBytes(m.key, m.value, m.headers);
    assert.ok(size > limit.maxRecordBytes - 4, `${size} vs ${limit.maxRecordBytes}`);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^truncated a c change on shop\.docs key \{"id":9\} at gtid 0-1-77 \(binlog\.000002:4711\) from \d+ to \d+ bytes to fit kafka\.max_message_bytes \(10000\): after\.body 20000 -> at most \d+ bytes$/);
    assert.ok(m.key!.equals(encoded.key!), 'the key is unchanged');
  });

  it('truncate: cuts several columns of both images to one length when one is not enough', () => {
    const { guard, encoder, limit, decoder, addSchemas } = setup('truncate');
    const event = change('u', row(3, 'a'.repeat(6_000), Buffer.alloc(6_000, 1)), row(3, 'b'.repeat(6_000), Buffer.alloc(5_000, 2)));
    const encoded = encoder.encode(event, 0);
    addSchemas();
    const out: OutboundMessage[] = [];
    guard.oversized(event, 'shop.shop.docs', encoded, 0, out);
    const m = out[0]!;
    assert.deepEqual(JSON.parse(m.headers![TRUNCATED_HEADER]!), { 'before.body': 6000, 'before.blob': 6000, 'after.body': 6000, 'after.blob': 5000 });
    assert.ok(limit.fits(limit.recordBytes(m.key, m.value, m.headers)));
    const env = decoder.decode(m.value!).value as { before: { body: string; blob: Buffer }; after: { body: string; blob: Buffer } };
    const lengths = [env.before.body.length, env.before.blob.length, env.after.body.length, env.after.blob.length];
    assert.ok(lengths.every((n) => n === lengths[0]), `one common length: ${lengths.join(', ')}`);
    assert.ok(lengths[0]! > 2_000 && lengths[0]! < 2_500, String(lengths[0]));
    assert.deepEqual((env.after as unknown as { price: Buffer }).price, Buffer.from([0x30, 0x39]), 'decimals are never cut');
  });

  it('truncate: fails as RECORD_TOO_LARGE when the string and bytes columns cannot make room', () => {
    const { guard, encoder } = setup('truncate');
    // Only the key column is large; key columns are never cut.
    const wide: TableSchema = { ...docs, primaryKey: ['title'], columns: docs.columns };
    const event: ChangeEvent = { ...change('c', null, { ...row(1, 'short', null), title: 't'.repeat(20_000) }), schema: wide };
    const encoded = encoder.encode(event, 0);
    assert.throws(() => guard.oversized(event, 'shop.shop.docs', encoded, 0, []), (e: unknown) => {
      assert.ok(e instanceof TributaryError);
      assert.equal(e.code, 'RECORD_TOO_LARGE');
      assert.match(e.message, /kafka\.oversized = "truncate" cannot make it fit/);
      return true;
    });
  });

  it('keys in messages: bigint as number when exact, decimals as text, bytes as hex', () => {
    const { guard, encoder } = setup('skip');
    const keyed: TableSchema = {
      db: 'shop',
      table: 'k',
      primaryKey: ['a', 'b', 'c', 'd'],
      columns: [
        { name: 'a', sqlType: 'bigint', nullable: false, avro: 'long' },
        { name: 'b', sqlType: 'bigint unsigned', nullable: false, avro: { type: 'bytes', logicalType: 'decimal', precision: 20, scale: 0 } },
        { name: 'c', sqlType: 'varbinary(4)', nullable: false, avro: 'bytes' },
        { name: 'd', sqlType: 'decimal(5,2)', nullable: false, avro: { type: 'bytes', logicalType: 'decimal', precision: 5, scale: 2 } },
        { name: 'big', sqlType: 'longtext', nullable: false, avro: 'string' },
      ],
    };
    const after = { a: 2n ** 60n, b: Buffer.from('00ffffffffffffffff', 'hex'), c: Buffer.from([0xca, 0xfe]), d: Buffer.from([0xff, 0x85]), big: 'x'.repeat(20_000) };
    const event: ChangeEvent = { ...change('c', null, after), schema: keyed, source: { ...change('c', null, null).source, table: 'k' } };
    const out: OutboundMessage[] = [];
    guard.oversized(event, 'shop.shop.k', encoder.encode(event, 0), 0, out);
    assert.deepEqual(JSON.parse(out[0]!.value!.toString()).key, { a: '1152921504606846976', b: '18446744073709551615', c: '0xcafe', d: '-1.23' });
  });
});
