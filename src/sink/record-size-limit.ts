import type { Compression } from './compression-codecs.js';
import { XERIAL_BLOCK_BYTES } from './xerial-snappy.js';

/**
 * What Kafka's size limit means for the records Tributary produces. The broker checks
 * `message.max.bytes` (topic: `max.message.bytes`) against each record batch, i.e. the
 * records of one partition in one produce request plus the batch header, not against a
 * single record. So one record must fit with the header, and a request's records together
 * must too (see KafkaSink), else many small rows add up to a batch the broker refuses.
 *
 * Sizes are upper bounds of the v2 record format, so a request that passes here is never
 * refused for its size by a broker whose limit is at least `maxMessageBytes`.
 */

/** v2 record batch header, with the 12 bytes of offset and length the broker counts too. */
const BATCH_HEADER_BYTES = 61;
/**
 * Per record, the largest varints of length (5), attributes (1), timestamp delta (10),
 * offset delta (5), key length (5), value length (5) and header count (5).
 */
const RECORD_OVERHEAD_BYTES = 36;
/** Per header: key length and value length varints. */
const HEADER_OVERHEAD_BYTES = 10;

export interface RecordHeaders {
  [key: string]: string;
}

export class RecordSizeLimit {
  /** The configured limit for one record batch (`kafka.max_message_bytes`). */
  readonly maxMessageBytes: number;
  /** Largest record (as `recordBytes` counts it) that fits in a batch of its own. */
  readonly maxRecordBytes: number;

  constructor(maxMessageBytes: number, compression: Compression) {
    this.maxMessageBytes = maxMessageBytes;
    const room = maxMessageBytes - BATCH_HEADER_BYTES;
    // Incompressible data grows a little under every codec: the largest input whose
    // worst case still fits (each bound grows with its input, so a binary search finds it).
    const bound = COMPRESSED_BOUND[compression];
    let lo = 0;
    let hi = Math.max(0, room);
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (bound(mid) <= room) lo = mid;
      else hi = mid - 1;
    }
    this.maxRecordBytes = lo;
  }

  /** Upper bound of the bytes one record takes in a record batch. */
  recordBytes(key: Buffer | null, value: Buffer | null, headers?: RecordHeaders): number {
    let n = RECORD_OVERHEAD_BYTES + (key ? key.length : 0) + (value ? value.length : 0);
    if (headers) for (const k in headers) n += HEADER_OVERHEAD_BYTES + Buffer.byteLength(k) + Buffer.byteLength(headers[k]!);
    return n;
  }

  /** Whether records of `recordsBytes` in total (sums of recordBytes) fit in one batch. */
  fits(recordsBytes: number): boolean {
    return recordsBytes <= this.maxRecordBytes;
  }
}

/** The most that `n` bytes of records can become under each codec, in Kafka's wire format. */
const COMPRESSED_BOUND: Record<Compression, (n: number) => number> = {
  none: (n) => n,
  // zlib's deflateBound with a gzip wrapper.
  gzip: (n) => n + (n >> 12) + (n >> 14) + (n >> 25) + 7 + 18,
  // xerial framing: a 16-byte header, then per 32 KiB block a length and snappy's
  // MaxCompressedLength (32 + b + b/6).
  snappy: (n) => {
    const full = Math.floor(n / XERIAL_BLOCK_BYTES);
    const rest = n % XERIAL_BLOCK_BYTES;
    const block = (b: number) => 4 + 32 + b + Math.floor(b / 6);
    return 16 + full * block(XERIAL_BLOCK_BYTES) + (rest > 0 ? block(rest) : 0);
  },
  // An LZ4 frame: header (7 bytes, no content size), blocks of at least 64 KiB each with a
  // 4-byte size, an end mark and room for a content checksum. lz4-napi stores a block that
  // does not shrink as it is, so a block is never larger than its input.
  lz4: (n) => 7 + 4 * Math.ceil(n / 65_536) + n + 4 + 4,
  // ZSTD_COMPRESSBOUND, which includes the frame header.
  zstd: (n) => n + (n >> 8) + (n < 131_072 ? (131_072 - n) >> 11 : 0),
};
