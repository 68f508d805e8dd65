/**
 * The codecs Tributary installs into kafkajs: each round-trips through kafkajs's own codec
 * table, writes Kafka's wire format (xerial-framed snappy, LZ4 frames, zstd frames), and
 * a native library is loaded only when a batch of its codec is met. Bytes from Kafka's
 * Java client are checked in test/integration/sink/compression.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import kafkajs from 'kafkajs';
import { compressionType, registerCompressionCodecs } from '../../../src/sink/compression-codecs.js';
import { XerialSnappy, type SnappyBlocks } from '../../../src/sink/xerial-snappy.js';
import { mulberry32 } from '../../support/seeded-random.js';

const require = createRequire(import.meta.url);
registerCompressionCodecs();
const codecs = kafkajs.CompressionCodecs as Record<number, () => { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> }>;

function inputs(): Buffer[] {
  const random = mulberry32(11);
  const noise = Buffer.alloc(100_000);
  for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(random() * 256);
  return [Buffer.alloc(0), Buffer.from('x'), Buffer.from('tributary '.repeat(100_000)), noise, Buffer.concat([noise, Buffer.alloc(70_000, 7)])];
}

describe('compression codecs', () => {
  for (const codec of ['snappy', 'lz4', 'zstd'] as const) {
    it(`${codec} round-trips through kafkajs's codec table, empty to 1 MB`, async () => {
      const c = codecs[compressionType(codec)]!();
      for (const input of inputs()) {
        const packed = await c.compress({ buffer: input });
        assert.deepEqual(await c.decompress(packed), input, `${codec}, ${input.length} bytes`);
        if (input.length === 1_000_000) assert.ok(packed.length < 50_000, `${codec} compresses repeated text: ${packed.length}`);
      }
    });
  }

  it('writes the formats Kafka expects: the xerial header, the LZ4 frame magic, the zstd frame magic', async () => {
    const input = { buffer: Buffer.from('tributary '.repeat(10_000)) };
    const snappy = await codecs[compressionType('snappy')]!().compress(input);
    assert.equal(snappy.subarray(0, 16).toString('hex'), '82534e4150505900' + '00000001' + '00000001');
    // 100,000 bytes are four 32 KiB blocks: the first one's length follows the header.
    assert.ok(snappy.readInt32BE(16) > 0 && snappy.readInt32BE(16) < 32_768);
    assert.equal((await codecs[compressionType('lz4')]!().compress(input)).readUInt32LE(0), 0x184d2204);
    assert.equal((await codecs[compressionType('zstd')]!().compress(input)).readUInt32LE(0), 0xfd2fb528);
  });

  it('xerial snappy splits input into 32 KiB blocks, and reads raw snappy and concatenated streams', () => {
    const snappy = require('snappy') as SnappyBlocks & { compressSync(b: Buffer): Buffer };
    const xerial = new XerialSnappy(snappy);
    const input = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `${i},`).join(''));
    const framed = xerial.compress(input);
    let blocks = 0;
    for (let at = 16; at < framed.length; at += 4 + framed.readInt32BE(at)) blocks++;
    assert.equal(blocks, Math.ceil(input.length / 32_768));
    assert.deepEqual(xerial.decompress(framed), input);
    assert.deepEqual(xerial.decompress(snappy.compressSync(input)), input, 'raw snappy, as some producers write it');
    assert.deepEqual(xerial.decompress(Buffer.concat([framed, framed])), Buffer.concat([input, input]), 'snappy-java reads concatenated streams');
    assert.throws(() => xerial.decompress(framed.subarray(0, framed.length - 3)), /overruns/);
  });

  it('loads a codec library only when a batch of that codec is met', async () => {
    const script = `
      const { createRequire } = require('node:module');
      const loaded = () => Object.keys(require.cache).filter((p) => /node_modules\\/(snappy|lz4-napi|@toondepauw)\\//.test(p)).map((p) => p.match(/node_modules\\/(snappy|lz4-napi|@toondepauw)\\//)[1]);
      (async () => {
        const m = await import(${JSON.stringify(new URL('../../../src/sink/compression-codecs.ts', import.meta.url).pathname)});
        const kafkajs = require('kafkajs');
        m.registerCompressionCodecs();
        const before = [...new Set(loaded())];
        await kafkajs.CompressionCodecs[m.compressionType('lz4')]().compress({ buffer: Buffer.from('x') });
        console.log(JSON.stringify({ before, after: [...new Set(loaded())] }));
      })();`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], { cwd: new URL('../../..', import.meta.url).pathname });
    assert.deepEqual(JSON.parse(stdout), { before: [], after: ['lz4-napi'] });
  });
});
