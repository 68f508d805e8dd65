import { createRequire } from 'node:module';
import { TributaryError } from '../../errors/tributary-error.js';

/**
 * MySQL's TRANSACTION_PAYLOAD_EVENT (binlog_transaction_compression=ON, 8.0.20+): one event
 * holding a whole transaction's events, compressed together. Its body is a header of
 * fields (type, length, value; each a packed integer, ended by a type 0), then the
 * compressed bytes. Decompressed, they are ordinary binlog events, each with its 19-byte
 * common header and no checksum (the outer event's checksum covers them).
 */
export const TRANSACTION_PAYLOAD_EVENT = 40;

/** The binlog event common header: timestamp, type, server id, length, next position, flags. */
export const EVENT_HEADER_BYTES = 19;

const FIELD_END = 0;
const FIELD_PAYLOAD_SIZE = 1;
const FIELD_COMPRESSION_TYPE = 2;
const FIELD_UNCOMPRESSED_SIZE = 3;
const COMPRESSION_ZSTD = 0;
const COMPRESSION_NONE = 255;

export interface PayloadHeader {
  compression: 'zstd' | 'none';
  /** Bytes of the inner events once decompressed. */
  uncompressedSize: number;
  /** Bytes of the (compressed) data after the header. */
  payloadSize: number;
  /** Where the data starts in the event body. */
  dataOffset: number;
}

/** One event inside a payload: its common header, and where it lies in the decompressed bytes. */
export interface InnerEvent {
  type: number;
  /** Seconds, as in the header. */
  timestamp: number;
  serverId: number;
  nextPosition: number;
  /** Offset of its common header. */
  start: number;
  /** Whole length, common header included. */
  length: number;
}

function malformed(what: string): TributaryError {
  return new TributaryError(`a TRANSACTION_PAYLOAD_EVENT (compressed transaction) is malformed: ${what}`, {
    code: 'BINLOG_STREAM',
    retriable: false,
    fix: 'check the binlog with mysqlbinlog --verbose at this position; if the server wrote it, report it with the server version',
  });
}

/** A MySQL packed integer (net_field_length) at `at`; returns the value and the bytes it took. */
function packed(body: Uint8Array, at: number, end: number): { value: number; size: number } {
  if (at >= end) throw malformed('the header ends early');
  const first = body[at]!;
  if (first < 251) return { value: first, size: 1 };
  const width = first === 252 ? 2 : first === 253 ? 3 : first === 254 ? 8 : 0;
  if (width === 0) throw malformed(`byte ${first} starts no packed integer`);
  if (at + 1 + width > end) throw malformed('the header ends early');
  let value = 0;
  for (let i = width - 1; i >= 0; i--) value = value * 256 + body[at + 1 + i]!;
  if (!Number.isSafeInteger(value)) throw malformed('a size is beyond 2^53');
  return { value, size: 1 + width };
}

/** Reads the header fields; unknown fields are skipped by their length, as the server's reader does. */
export function parsePayloadHeader(body: Uint8Array): PayloadHeader {
  let at = 0;
  let payloadSize = -1;
  let uncompressedSize = -1;
  let compression = -1;
  for (;;) {
    const type = packed(body, at, body.length);
    at += type.size;
    if (type.value === FIELD_END) break;
    const length = packed(body, at, body.length);
    at += length.size;
    const valueEnd = at + length.value;
    if (valueEnd > body.length) throw malformed(`field ${type.value} runs past the event`);
    if (type.value === FIELD_PAYLOAD_SIZE || type.value === FIELD_COMPRESSION_TYPE || type.value === FIELD_UNCOMPRESSED_SIZE) {
      const value = packed(body, at, valueEnd).value;
      if (type.value === FIELD_PAYLOAD_SIZE) payloadSize = value;
      else if (type.value === FIELD_COMPRESSION_TYPE) compression = value;
      else uncompressedSize = value;
    }
    at = valueEnd;
  }
  if (payloadSize < 0) throw malformed('no payload size');
  if (compression !== COMPRESSION_ZSTD && compression !== COMPRESSION_NONE) {
    throw malformed(compression < 0 ? 'no compression type' : `compression type ${compression} is neither zstd (0) nor none (255)`);
  }
  if (at + payloadSize > body.length) throw malformed(`a payload of ${payloadSize} bytes does not fit the event's ${body.length - at}`);
  if (compression === COMPRESSION_NONE) uncompressedSize = payloadSize;
  if (uncompressedSize < 0) throw malformed('no uncompressed size');
  return { compression: compression === COMPRESSION_ZSTD ? 'zstd' : 'none', uncompressedSize, payloadSize, dataOffset: at };
}

/** The zstd decoder the Kafka codecs use too, loaded when the first compressed transaction comes. */
let zstd: { decodeSync(data: Uint8Array): Buffer } | null = null;
const require = createRequire(import.meta.url);

function zstdDecoder(): { decodeSync(data: Uint8Array): Buffer } {
  zstd ??= new (require('@toondepauw/node-zstd') as { Decoder: new () => { decodeSync(data: Uint8Array): Buffer } }).Decoder();
  return zstd;
}

/** The inner events' bytes, decompressed once, checked against the size the header gives. */
export function payloadBytes(body: Uint8Array): Buffer {
  const header = parsePayloadHeader(body);
  const data = body.subarray(header.dataOffset, header.dataOffset + header.payloadSize);
  if (header.compression === 'none') return Buffer.from(data.buffer, data.byteOffset, data.length);
  let out: Uint8Array;
  try {
    out = zstdDecoder().decodeSync(data);
  } catch (err) {
    throw new TributaryError(`a compressed transaction could not be decompressed (zstd): ${String(err)}`, {
      code: 'BINLOG_STREAM',
      retriable: false,
      fix: 'check the binlog with mysqlbinlog --verbose at this position; if it reads there, report it with the server version',
      cause: err,
    });
  }
  if (out.length !== header.uncompressedSize) throw malformed(`${out.length} bytes decompressed, the header says ${header.uncompressedSize}`);
  // zongji's parser reads with Buffer methods.
  return Buffer.from(out.buffer, out.byteOffset, out.length);
}

/** The common headers of the inner events, in order; they must tile the bytes exactly. */
export function innerEvents(bytes: Uint8Array): InnerEvent[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const events: InnerEvent[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + EVENT_HEADER_BYTES > bytes.length) throw malformed(`an inner event header at byte ${at} is cut off`);
    const length = view.getUint32(at + 9, true);
    if (length < EVENT_HEADER_BYTES || at + length > bytes.length) throw malformed(`an inner event at byte ${at} claims ${length} bytes`);
    events.push({
      type: bytes[at + 4]!,
      timestamp: view.getUint32(at, true),
      serverId: view.getUint32(at + 5, true),
      nextPosition: view.getUint32(at + 13, true),
      start: at,
      length,
    });
    at += length;
  }
  return events;
}
