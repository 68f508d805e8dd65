import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TributaryError } from '../../../../src/errors/tributary-error.js';
import { innerEvents, parsePayloadHeader, payloadBytes } from '../../../../src/source/binlog/transaction-payload.js';

/**
 * The body (after the 19-byte common header) of a TRANSACTION_PAYLOAD_EVENT written by
 * MySQL 9.7 with binlog_checksum=CRC32: BEGIN, a table map, two inserted rows, a table map,
 * an update, the XID; 415 bytes compressed with zstd into 209, then the 4-byte checksum.
 */
const MYSQL_PAYLOAD = Buffer.from(
  [
    '0201000303fc9f010101d10028b52ffd609f003d0600f2092530604b930ef0d02f088296200832200c0304e81e8b36ac',
    '0636bdd01def2b540db8005a00d8532111fdf6adfddf08d93205ffb767a220e09240b0ac24c8c7b2a30a7dace22e77ca',
    'cead1cddb9407430bd4c02a97319aab01985183971c79196b7004364e3962712d2dc55bfb0d0e0d8a080157535f78f7f',
    '78a697490e5103b4f071e0e860453509e471423738236666f89bd3cba41500a004e2582660a08c718c18e00f2c061b9b',
    'c867ec02133e2d83be2b0583c012e465045339e32ca641c3e0690c78012bf27d05',
  ].join(''),
  'hex',
);

/** A common header plus body, as an inner event is laid out (no checksum). */
function event(type: number, body: Buffer, timestamp = 1_700_000_000, serverId = 7): Buffer {
  const header = Buffer.alloc(19);
  header.writeUInt32LE(timestamp, 0);
  header[4] = type;
  header.writeUInt32LE(serverId, 5);
  header.writeUInt32LE(19 + body.length, 9);
  return Buffer.concat([header, body]);
}

/** A header of fields [type, value] with each value as a packed integer of the given bytes. */
function header(fields: [number, Buffer][]): Buffer {
  const parts: Buffer[] = [];
  for (const [type, value] of fields) parts.push(Buffer.from([type, value.length]), value);
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

const one = (n: number): Buffer => Buffer.from([n]);

function rejects(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof TributaryError && err.code === 'BINLOG_STREAM' && !err.retriable && message.test(err.message));
}

describe('parsePayloadHeader', () => {
  it("reads MySQL's header: zstd, 415 bytes uncompressed (a 3-byte packed integer), 209 of payload", () => {
    assert.deepEqual(parsePayloadHeader(MYSQL_PAYLOAD), { compression: 'zstd', uncompressedSize: 415, payloadSize: 209, dataOffset: 12 });
  });

  it('reads every packed integer width and skips fields it does not know', () => {
    const wide = Buffer.from([0xfe, 0x10, 0, 0, 0, 0, 0, 0, 0]);
    const body = Buffer.concat([
      header([
        [9, Buffer.from('future field')],
        [2, one(0)],
        [3, Buffer.from([0xfd, 0x01, 0x00, 0x01])],
        [1, wide],
      ]),
      Buffer.alloc(16),
    ]);
    const h = parsePayloadHeader(body);
    assert.deepEqual(h, { compression: 'zstd', uncompressedSize: 0x010001, payloadSize: 16, dataOffset: body.length - 16 });
  });

  it('takes the uncompressed size of an uncompressed payload (type 255) from its payload size', () => {
    const body = Buffer.concat([header([[1, one(5)], [2, Buffer.from([0xfc, 0xff, 0x00])]]), Buffer.alloc(5)]);
    assert.deepEqual(parsePayloadHeader(body), { compression: 'none', uncompressedSize: 5, payloadSize: 5, dataOffset: body.length - 5 });
  });

  it('refuses a header without a payload size, an unknown compression, a payload past the event, a header cut off', () => {
    rejects(() => parsePayloadHeader(header([[2, one(0)], [3, one(1)]])), /no payload size/);
    rejects(() => parsePayloadHeader(Buffer.concat([header([[1, one(1)], [2, one(1)], [3, one(1)]]), Buffer.alloc(1)])), /compression type 1 is neither/);
    rejects(() => parsePayloadHeader(Buffer.concat([header([[1, one(9)], [2, one(0)], [3, one(1)]]), Buffer.alloc(8)])), /does not fit/);
    rejects(() => parsePayloadHeader(Buffer.from([1, 1])), /field 1 runs past/);
    rejects(() => parsePayloadHeader(Buffer.from([2, 1, 0])), /header ends early/);
    rejects(() => parsePayloadHeader(Buffer.from([1, 1, 0xfb, 0])), /byte 251 starts no packed integer/);
    rejects(() => parsePayloadHeader(Buffer.concat([header([[1, one(0)], [2, one(0)]])])), /no uncompressed size/);
  });
});

describe('payloadBytes and innerEvents', () => {
  it("decompresses MySQL's payload into the events of the transaction, tiling it exactly", () => {
    const bytes = payloadBytes(MYSQL_PAYLOAD);
    assert.equal(bytes.length, 415);
    const events = innerEvents(bytes);
    // QUERY (BEGIN), TABLE_MAP, WRITE_ROWS v2, TABLE_MAP, UPDATE_ROWS v2, XID; no checksums inside.
    assert.deepEqual(
      events.map((e) => [e.type, e.start, e.length, e.serverId, e.nextPosition]),
      [
        [2, 0, 67, 1, 0],
        [19, 67, 79, 1, 0],
        [30, 146, 73, 1, 0],
        [19, 219, 79, 1, 0],
        [31, 298, 90, 1, 0],
        [16, 388, 27, 1, 0],
      ],
    );
    assert.equal(Buffer.from(bytes.subarray(19, 67)).includes(Buffer.from('BEGIN')), true);
  });

  it('hands an uncompressed payload over as it is', () => {
    const events = Buffer.concat([event(2, Buffer.from('BEGIN')), event(16, Buffer.alloc(8, 1))]);
    const body = Buffer.concat([header([[1, Buffer.from([events.length])], [2, Buffer.from([0xfc, 0xff, 0x00])]]), events, Buffer.alloc(4)]);
    const bytes = payloadBytes(body);
    assert.deepEqual(Buffer.from(bytes), events);
    assert.deepEqual(
      innerEvents(bytes).map((e) => [e.type, e.timestamp, e.serverId, e.length]),
      [
        [2, 1_700_000_000, 7, 24],
        [16, 1_700_000_000, 7, 27],
      ],
    );
  });

  it('refuses corrupt data, a size that disagrees with the header, and inner events that do not tile the bytes', () => {
    const corrupt = Buffer.from(MYSQL_PAYLOAD);
    corrupt[12] = 0; // the zstd magic number
    assert.throws(() => payloadBytes(corrupt), (err: unknown) => err instanceof TributaryError && /could not be decompressed/.test(err.message));
    const wrongSize = Buffer.from(MYSQL_PAYLOAD);
    wrongSize.writeUInt16LE(400, 6); // uncompressed size 400 instead of 415
    assert.throws(() => payloadBytes(wrongSize), (err: unknown) => err instanceof TributaryError && err.code === 'BINLOG_STREAM');
    rejects(() => innerEvents(event(2, Buffer.from('BEGIN')).subarray(0, 20)), /claims 24 bytes/);
    rejects(() => innerEvents(Buffer.concat([event(2, Buffer.from('BEGIN')), Buffer.alloc(5)])), /header at byte 24 is cut off/);
    const tooShort = event(2, Buffer.alloc(0));
    tooShort.writeUInt32LE(3, 9);
    rejects(() => innerEvents(tooShort), /claims 3 bytes/);
  });
});
