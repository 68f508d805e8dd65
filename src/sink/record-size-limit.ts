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

  constructor(maxMessageBytes: number, compression: 'none' | 'gzip') {
    this.maxMessageBytes = maxMessageBytes;
    const room = maxMessageBytes - BATCH_HEADER_BYTES;
    let max = room;
    if (compression === 'gzip') {
      // Incompressible data grows a little under gzip: the largest input whose bound fits.
      max = Math.floor((room - 25) / (1 + 1 / 4096 + 1 / 16384));
      while (max > 0 && compressedBound(max) > room) max--;
    }
    this.maxRecordBytes = Math.max(0, max);
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

/** zlib's deflateBound with a gzip wrapper: the most that `n` bytes can become. */
function compressedBound(n: number): number {
  return n + (n >> 12) + (n >> 14) + (n >> 25) + 7 + 18;
}
