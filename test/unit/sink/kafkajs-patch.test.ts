/**
 * patches/kafkajs+2.2.4.patch (applied by patch-package on npm install) makes two hot spots
 * of kafkajs's producer cheaper: grouping a request's messages by partition (it copied the
 * partition's array for every message) and encoding a record (a 512-byte buffer each, and
 * Long arithmetic for the timestamp delta). These check the patched code is in place and
 * still writes what Kafka's record format says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition') as (args: {
  topic: string;
  partitionMetadata: unknown[];
  messages: { key: string }[];
  partitioner: (args: { message: { key: string } }) => number;
}) => Record<string, { key: string }[]>;
type Encoder = { buf: Buffer; buffer: Buffer };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (args: object) => Encoder;
const KafkaEncoder = require('kafkajs/src/protocol/encoder') as { sizeOfVarInt(n: number): number };
const Decoder = require('kafkajs/src/protocol/decoder') as new (buf: Buffer) => { readVarInt(): number };
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder') as (
  decoder: unknown,
  ctx: object,
) => { key: Buffer; value: Buffer | null; timestamp: string; offset: string; headers: Record<string, Buffer> };

test('grouping by partition keeps each partition in send order', () => {
  const messages = Array.from({ length: 5000 }, (_, i) => ({ key: `k${i}` }));
  const grouped = groupMessagesPerPartition({
    topic: 't',
    partitionMetadata: [{}, {}, {}],
    messages,
    partitioner: ({ message }) => Number(message.key.slice(1)) % 3,
  });
  assert.deepEqual(Object.keys(grouped), ['0', '1', '2']);
  for (const p of [0, 1, 2]) {
    assert.deepEqual(grouped[p], messages.filter((_, i) => i % 3 === p));
  }
  assert.deepEqual(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner: () => 0 }), {});
});

test('a record is encoded in a buffer of its own size, and decodes back for every timestamp delta', () => {
  const firstTimestamp = 1_764_000_000_000;
  const cases = [0, 1, -1, 63, 64, 2 ** 30 - 1, -(2 ** 30), 2 ** 30, 2 ** 31, -(2 ** 31) - 5, 86_400_000 * 400];
  for (const [i, timestampDelta] of cases.entries()) {
    const key = Buffer.from(`key-${i}`);
    const value = i % 2 === 0 ? Buffer.alloc(300 + i, i) : null;
    const encoder = Record({ key, value, offsetDelta: i, timestampDelta, headers: { h: Buffer.from('v') } });
    assert.ok(encoder.buf.length < 1024 && encoder.buf.length >= encoder.buffer.length, `buffer of ${encoder.buf.length} bytes`);
    const decoder = new Decoder(encoder.buffer);
    const length = decoder.readVarInt();
    assert.equal(length + KafkaEncoder.sizeOfVarInt(length), encoder.buffer.length, 'length prefix');
    const record = decodeRecord(decoder, { firstOffset: '100', firstTimestamp: String(firstTimestamp), magicByte: 2 });
    assert.deepEqual(record.key, key);
    assert.deepEqual(record.value, value);
    assert.equal(record.offset, String(100 + i));
    assert.equal(record.timestamp, String(firstTimestamp + timestampDelta), `delta ${timestampDelta}`);
    assert.deepEqual(record.headers, { h: Buffer.from('v') });
  }
  // A record without a value is small: it no longer takes 512 bytes.
  assert.ok(Record({ key: Buffer.from('k'), value: null }).buf.length <= 16);
});

const encodeRecords = require('kafkajs/src/protocol/recordBatch/record/v0/encodeRecords') as (
  messages: object[],
  dateNow: number,
  firstTimestamp: number,
) => Buffer | null;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (args: object) => Promise<Encoder> };
const { Types: CompressionTypes } = require('kafkajs/src/protocol/message/compression') as { Types: Record<string, number> };

/** Messages as the sink hands them over: Buffer keys, Buffer or null values, of many sizes. */
function sinkMessages(n: number): { key: Buffer | null; value: Buffer | null }[] {
  return Array.from({ length: n }, (_, i) => ({
    key: i % 17 === 0 ? null : Buffer.from(`key-${i}`),
    value: i % 5 === 0 ? null : Buffer.alloc((i * 37) % 300 + (i % 50 === 0 ? 20_000 : 0), i),
  }));
}

test('all of a batch\'s records in one buffer: the bytes of one Record() each, back to back', () => {
  const messages = sinkMessages(300);
  const now = 1_764_000_000_000;
  const fast = encodeRecords(messages, now, now);
  const each = Buffer.concat(messages.map((m, i) => Record({ ...m, offsetDelta: i, timestampDelta: 0 }).buffer));
  assert.ok(fast);
  assert.deepEqual(fast, each);
  // Timestamps of their own, in the varint range: the same bytes as Record() too.
  const stamped = messages.map((m, i) => ({ ...m, timestamp: now + i * 1000 - 5000 }));
  assert.deepEqual(
    encodeRecords(stamped, now, now - 5000),
    Buffer.concat(stamped.map((m, i) => Record({ ...m, offsetDelta: i, timestampDelta: m.timestamp - (now - 5000) }).buffer)),
  );
});

test('messages the one-buffer path does not take go the general way', () => {
  const now = 1_764_000_000_000;
  assert.equal(encodeRecords([{ key: Buffer.from('k'), value: Buffer.from('v'), headers: { h: 'x' } }], now, now), null);
  assert.equal(encodeRecords([{ key: 'text key', value: Buffer.from('v') }], now, now), null);
  assert.equal(encodeRecords([{ key: null, value: Buffer.from('v'), timestamp: now + 2 ** 31 }], now, now), null);
  assert.notEqual(encodeRecords([{ key: null, value: Buffer.from('v'), headers: {} }], now, now), null);
});

test('a record batch from the one buffer equals the batch from records, plain and compressed', async () => {
  const messages = sinkMessages(120);
  const now = 1_764_000_000_000;
  const records = messages.map((m, i) => Record({ ...m, offsetDelta: i, timestampDelta: 0 }));
  const common = { firstTimestamp: now, maxTimestamp: now, producerEpoch: 0, firstSequence: 7, lastOffsetDelta: messages.length - 1 };
  for (const compression of [CompressionTypes.None!, CompressionTypes.GZIP!]) {
    const general = await RecordBatch({ ...common, compression, records });
    const fast = await RecordBatch({ ...common, compression, records: [], recordsBuffer: encodeRecords(messages, now, now), recordCount: messages.length });
    assert.deepEqual(fast.buffer, general.buffer, `compression ${compression}`);
  }
});

test('record batches are checksummed with the native CRC32C, equal to the JS table', () => {
  const crc = require('kafkajs/src/protocol/recordBatch/crc32C') as (b: Buffer) => number;
  const table = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C') as (b: Buffer) => number;
  const native = (require('@node-rs/crc32') as { crc32c(b: Buffer): number }).crc32c;
  assert.equal(crc(Buffer.from('123456789')), 0xe3069283, 'the CRC-32C check value');
  for (const size of [0, 1, 7, 64, 1000, 1 << 20]) {
    const b = Buffer.alloc(size, size % 251);
    for (let i = 0; i < size; i += 97) b[i] = i & 0xff;
    assert.equal(crc(b), table(b) >>> 0, `${size} bytes`);
    assert.equal(crc(b), native(b));
  }
});

test('an encoder wrapping a big payload in a few header bytes allocates about its size, not the next power of two', () => {
  const EncoderClass = require('kafkajs/src/protocol/encoder') as new (size?: number) => Encoder & {
    writeInt32(n: number): Encoder & { writeBuffer(b: Buffer): Encoder };
    writeBuffer(b: Buffer): Encoder;
  };
  const payload = Buffer.alloc(1_100_000, 7);
  const wrapped = new EncoderClass().writeInt32(payload.length).writeBuffer(payload);
  assert.ok(wrapped.buf.length < 1_100_000 + 1024, `${wrapped.buf.length} bytes for 1,100,004`);
  assert.deepEqual(wrapped.buffer.subarray(4), payload);
  assert.equal(wrapped.buffer.readInt32BE(0), payload.length);
  // Many small writes still grow by doubling.
  const small = new EncoderClass(16);
  for (let i = 0; i < 1000; i++) small.writeInt32(i);
  assert.equal(small.buf.length, 4096);
  assert.equal((small.buffer as Buffer).readInt32BE(4 * 999), 999);
});
