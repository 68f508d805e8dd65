/**
 * RecordSizeLimit must be an upper bound of what the broker measures: a record batch as
 * kafkajs encodes it (the bytes the broker compares with message.max.bytes), so records
 * that pass `fits` are never refused for size. Checked against kafkajs's own encoder.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { RecordSizeLimit } from '../../../src/sink/record-size-limit.js';
import { compressionType, registerCompressionCodecs, type Compression } from '../../../src/sink/compression-codecs.js';
import { mulberry32 } from '../../support/seeded-random.js';

const require = createRequire(import.meta.url);
// kafkajs's produce request encoding, as the producer uses it for every partition's batch.
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (o: Record<string, unknown>) => Promise<{ size(): number }>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (o: Record<string, unknown>) => unknown;
registerCompressionCodecs();
const CODECS: Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

interface Msg {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string>;
}

/** Bytes of the batch kafkajs sends for `messages` to one partition, offset and length included. */
async function kafkaBatchBytes(messages: Msg[], compression: number): Promise<number> {
  const now = Date.now();
  const records = messages.map((m, i) => Record({ key: m.key, value: m.value, headers: m.headers ?? {}, offsetDelta: i, timestampDelta: 0 }));
  const batch = await RecordBatch({ compression, records, firstTimestamp: now, maxTimestamp: now, lastOffsetDelta: records.length - 1, firstSequence: 2_000_000_000 });
  return batch.size();
}

describe('RecordSizeLimit', () => {
  it('the default limit leaves room for a 1 MiB broker limit: a batch of records that fit is at most 1048576 bytes', () => {
    const limit = new RecordSizeLimit(1_048_576, 'none');
    assert.equal(limit.maxRecordBytes, 1_048_576 - 61);
    assert.equal(limit.recordBytes(Buffer.alloc(10), Buffer.alloc(100)), 146);
    assert.equal(limit.recordBytes(null, null, { 'tributary.truncated': '{"after.body":5}' }), 36 + 10 + 19 + 16);
    assert.equal(limit.fits(limit.maxRecordBytes), true);
    assert.equal(limit.fits(limit.maxRecordBytes + 1), false);
  });

  for (const compression of CODECS) {
    it(`is an upper bound of kafkajs's encoded batch (${compression}), for random and incompressible records`, async () => {
      const random = mulberry32(7);
      const limit = new RecordSizeLimit(200_000, compression);
      for (let round = 0; round < 20; round++) {
        const messages: Msg[] = [];
        let bytes = 0;
        for (;;) {
          const value = Buffer.alloc(Math.floor(random() * (round < 10 ? 300 : 60_000)));
          // Random bytes do not compress: the worst case for every codec.
          for (let i = 0; i < value.length; i++) value[i] = Math.floor(random() * 256);
          const m: Msg = { key: Buffer.from(`key-${round}-${messages.length}`), value, headers: random() < 0.3 ? { 'tributary.truncated': '{"after.b":1}' } : undefined };
          const size = limit.recordBytes(m.key, m.value, m.headers);
          if (!limit.fits(bytes + size)) break;
          bytes += size;
          messages.push(m);
        }
        const actual = await kafkaBatchBytes(messages, compressionType(compression));
        assert.ok(actual <= 200_000, `round ${round}: ${messages.length} records, estimated ${bytes} + 61, kafkajs batch ${actual} > 200000`);
        // Not wastefully loose either: within 40 bytes a record plus the gzip bound.
        if (compression === 'none') assert.ok(actual >= bytes + 61 - 40 * messages.length, `round ${round}: ${actual} vs ${bytes}`);
      }
    });
  }

  it('a single record of exactly maxRecordBytes encodes to at most the limit', async () => {
    for (const compression of CODECS) {
      const limit = new RecordSizeLimit(1_048_576, compression);
      const key = Buffer.from('k');
      const value = Buffer.alloc(limit.maxRecordBytes - limit.recordBytes(key, Buffer.alloc(0)));
      for (let i = 0; i < value.length; i++) value[i] = (i * 2654435761) >>> 24;
      assert.equal(limit.recordBytes(key, value), limit.maxRecordBytes);
      const actual = await kafkaBatchBytes([{ key, value }], compressionType(compression));
      assert.ok(actual <= 1_048_576, `${compression}: ${actual}`);
    }
  });

  it('gives each codec the room its worst case leaves under a 1 MiB limit', () => {
    const max = Object.fromEntries(CODECS.map((c) => [c, new RecordSizeLimit(1_048_576, c).maxRecordBytes]));
    // Exact, so a changed bound is a decision: snappy's worst case is a sixth larger.
    assert.deepEqual(max, { none: 1_048_515, gzip: 1_048_172, snappy: 897_857, lz4: 1_048_436, zstd: 1_044_436 });
  });
});
