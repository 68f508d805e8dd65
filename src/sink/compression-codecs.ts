/**
 * The Kafka codecs kafkajs lacks (it has only GZIP built in): snappy, LZ4 and zstd, in the
 * wire formats the Java client writes and reads, so Java, librdkafka and kafkajs consumers
 * all read Tributary's batches, and Tributary's readers (tail, the Kafka checkpoint store,
 * the truncate-deletes topic reader, the lease) read batches any Java producer wrote.
 *
 * - snappy: xerial-framed blocks (xerial-snappy.ts), with the napi-rs `snappy` package.
 * - LZ4: the LZ4 frame format (magic 0x184D2204, independent blocks), with `lz4-napi`.
 *   Kafka's Java client writes and reads frames, never bare LZ4 blocks.
 * - zstd: one zstd frame per batch, with `@toondepauw/node-zstd` at level 3 (the Java
 *   client's default). Its decoder reads frames without a content size, which is what
 *   Java's streaming zstd writes, and concatenated frames.
 *
 * All three libraries ship their binaries as npm packages (no download and no compiler
 * at install). kafkajs looks a codec up when it meets a batch of that type, so each
 * library is loaded only on first use: a pipeline with gzip never loads a native module.
 */
import { createRequire } from 'node:module';
import kafkajs, { CompressionTypes } from 'kafkajs';
import { XerialSnappy, type SnappyBlocks } from './xerial-snappy.js';

/** `kafka.compression`: the codec of produced batches. */
export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** kafkajs's codec shape: compress gets its encoder (bytes in `.buffer`). */
interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

interface Lz4Frames {
  compressFrame(data: Uint8Array): Promise<Buffer>;
  decompressFrame(data: Uint8Array): Promise<Buffer>;
}

interface ZstdModule {
  Encoder: new (level: number) => { encode(data: Buffer): Promise<Buffer> };
  Decoder: new () => { decode(data: Buffer): Promise<Buffer> };
}

/** The Java client's default zstd level (compression.zstd.level). */
const ZSTD_LEVEL = 3;

const require = createRequire(import.meta.url);

/** The kafkajs compression type to send batches with. */
export function compressionType(compression: Compression): CompressionTypes {
  switch (compression) {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'snappy':
      return CompressionTypes.Snappy;
    case 'lz4':
      return CompressionTypes.LZ4;
    case 'zstd':
      return CompressionTypes.ZSTD;
  }
}

let registered = false;

/**
 * Installs the snappy, LZ4 and zstd codecs into kafkajs (a process-wide table), once.
 * Every part that makes a kafkajs client calls it, since any topic may hold batches of
 * any codec, whatever this pipeline produces with.
 */
export function registerCompressionCodecs(): void {
  if (registered) return;
  registered = true;
  // A CommonJS export that Node's ESM named-export detection does not find.
  const codecs = kafkajs.CompressionCodecs as Record<number, () => KafkajsCodec>;
  codecs[CompressionTypes.Snappy] = lazily(snappyCodec);
  codecs[CompressionTypes.LZ4] = lazily(lz4Codec);
  codecs[CompressionTypes.ZSTD] = lazily(zstdCodec);
}

function lazily(make: () => KafkajsCodec): () => KafkajsCodec {
  let codec: KafkajsCodec | undefined;
  return () => (codec ??= make());
}

function snappyCodec(): KafkajsCodec {
  const xerial = new XerialSnappy(require('snappy') as SnappyBlocks);
  return {
    compress: async (encoder) => xerial.compress(encoder.buffer),
    decompress: async (buffer) => xerial.decompress(buffer),
  };
}

function lz4Codec(): KafkajsCodec {
  const lz4 = require('lz4-napi') as Lz4Frames;
  return {
    compress: (encoder) => lz4.compressFrame(encoder.buffer),
    decompress: (buffer) => lz4.decompressFrame(buffer),
  };
}

function zstdCodec(): KafkajsCodec {
  const zstd = require('@toondepauw/node-zstd') as ZstdModule;
  const encoder = new zstd.Encoder(ZSTD_LEVEL);
  const decoder = new zstd.Decoder();
  return {
    compress: (e) => encoder.encode(e.buffer),
    decompress: (buffer) => decoder.decode(buffer),
  };
}
