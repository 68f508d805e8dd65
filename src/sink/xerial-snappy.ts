/**
 * Snappy as Kafka carries it. The Java client writes snappy-java's stream format ("xerial"
 * framing): a 16-byte header, then blocks of at most 32 KiB of input, each a big-endian
 * int32 length and one raw snappy block. Java reads that format, and raw snappy too (its
 * SnappyInputStream falls back when the header is missing), and librdkafka and kafkajs
 * codecs read both as well. Tributary writes the framed format, like Java, and reads both.
 */

/** The snappy library's block functions (the `snappy` package's sync API). */
export interface SnappyBlocks {
  compressSync(input: Buffer): Buffer;
  uncompressSync(input: Buffer, options: { asBuffer: true }): Buffer | string;
}

/** 0x82 "SNAPPY" 0x00, then version 1 and "compatible since" version 1. */
const HEADER = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
const MAGIC_BYTES = 8;
/** snappy-java's default block size, which Kafka's producer uses. */
export const XERIAL_BLOCK_BYTES = 32 * 1024;

export class XerialSnappy {
  private readonly snappy: SnappyBlocks;

  constructor(snappy: SnappyBlocks) {
    this.snappy = snappy;
  }

  compress(input: Buffer): Buffer {
    const parts: Buffer[] = [HEADER];
    for (let at = 0; at < input.length; at += XERIAL_BLOCK_BYTES) {
      const block = this.snappy.compressSync(input.subarray(at, Math.min(input.length, at + XERIAL_BLOCK_BYTES)));
      const length = Buffer.allocUnsafe(4);
      length.writeInt32BE(block.length);
      parts.push(length, block);
    }
    return Buffer.concat(parts);
  }

  decompress(input: Buffer): Buffer {
    if (!hasHeader(input, 0)) return this.block(input);
    const parts: Buffer[] = [];
    let at = HEADER.length;
    while (at < input.length) {
      // snappy-java reads streams concatenated one after the other: a header may come again.
      if (hasHeader(input, at)) {
        at += HEADER.length;
        continue;
      }
      if (at + 4 > input.length) throw new Error(`xerial snappy: truncated block length at byte ${at} of ${input.length}`);
      const length = input.readInt32BE(at);
      at += 4;
      if (length < 0 || at + length > input.length) throw new Error(`xerial snappy: block of ${length} bytes at byte ${at} overruns ${input.length}`);
      parts.push(this.block(input.subarray(at, at + length)));
      at += length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  private block(input: Buffer): Buffer {
    return this.snappy.uncompressSync(input, { asBuffer: true }) as Buffer;
  }
}

function hasHeader(input: Buffer, at: number): boolean {
  return input.length - at >= HEADER.length && input.compare(HEADER, 0, MAGIC_BYTES, at, at + MAGIC_BYTES) === 0;
}
