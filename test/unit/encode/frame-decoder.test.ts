import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder } from '../../../src/encode/frame-decoder.js';
import { legacySchemaFingerprint, schemaFingerprint } from '../../../src/encode/schema-fingerprint.js';
import { fingerprintToHex } from '../../../src/encode/rabin-fingerprint.js';
import { frameFingerprint, frameHeader } from '../../../src/encode/single-object-frame.js';

const RECORD = JSON.stringify({
  type: 'record',
  name: 'Key',
  namespace: 't.shop.items',
  fields: [{ name: 'id', type: 'long' }, { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 4, scale: 1 } }],
});
const RECORD_FP = fingerprintToHex(schemaFingerprint(JSON.parse(RECORD)));

test('the single-object header of "int" matches the Avro reference bytes', () => {
  assert.deepStrictEqual(
    [...frameHeader(schemaFingerprint('int'))],
    [0xc3, 0x01, 0x8f, 0x5c, 0x39, 0x3f, 0x1a, 0xd5, 0x75, 0x72],
  );
  assert.equal(frameFingerprint(frameHeader(0x7275d51a3f395c8fn)), 0x7275d51a3f395c8fn);
});

test('decodes a frame of a known schema with bigint longs', () => {
  const decoder = new FrameDecoder();
  decoder.addSchema(RECORD_FP, RECORD);
  assert.equal(decoder.hasSchema(RECORD_FP), true);
  assert.equal(decoder.schemaJson(RECORD_FP), RECORD);
  // id = -(2^62): zig-zag 2^63-1 as a varint; price = 2 bytes 01 00.
  const body = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x04, 0x01, 0x00]);
  const frame = Buffer.concat([frameHeader(BigInt(`0x${RECORD_FP}`)), body]);
  const { fingerprint, value } = decoder.decode(frame);
  assert.equal(fingerprint, RECORD_FP);
  assert.deepStrictEqual({ ...(value as object) }, { id: -(2n ** 62n), price: Buffer.from([1, 0]) });
});

test('rejects frames it cannot decode with clear ENCODE errors', () => {
  const decoder = new FrameDecoder();
  decoder.addSchema(RECORD_FP, RECORD);
  const header = frameHeader(BigInt(`0x${RECORD_FP}`));
  assert.throws(() => decoder.decode(Buffer.from([0x00, 0, 0, 0, 1, 0x02])), {
    code: 'ENCODE',
    message: /not an Avro single-object frame: expected marker c301 and at least 10 bytes, got 6 bytes starting 0000/,
  });
  assert.throws(() => decoder.decode(Buffer.from([0xc3, 0x02, 1, 2, 3, 4, 5, 6, 7, 8, 0])), { code: 'ENCODE', message: /starting c302/ });
  assert.throws(() => decoder.decode(Buffer.concat([frameHeader(0x0123456789abcdefn), Buffer.from([2])])), {
    code: 'ENCODE',
    message: /no schema known for fingerprint 0123456789abcdef/,
  });
  assert.throws(() => decoder.decode(Buffer.concat([header, Buffer.from([0x02])])), {
    code: 'ENCODE',
    message: new RegExp(`cannot decode a frame with schema ${RECORD_FP}: truncated buffer`),
  });
  assert.throws(() => decoder.decode(Buffer.concat([header, Buffer.from([0x02, 0x00, 0x09])])), {
    code: 'ENCODE',
    message: /trailing data/,
  });
});

test('addSchema verifies that the schema really has the fingerprint it is filed under', () => {
  const decoder = new FrameDecoder();
  const other = JSON.stringify({ ...JSON.parse(RECORD), fields: [{ name: 'id', type: 'long' }] });
  assert.throws(() => decoder.addSchema(RECORD_FP, other), {
    code: 'ENCODE',
    message: new RegExp(`schema given for fingerprint ${RECORD_FP} has fingerprint [0-9a-f]{16}`),
  });
  // The fingerprint Tributary 0.1 filed it under (scale included) is accepted, so old
  // messages still decode; under that fingerprint another scale is refused.
  const legacyFp = fingerprintToHex(legacySchemaFingerprint(JSON.parse(RECORD)));
  assert.notEqual(legacyFp, RECORD_FP);
  const rescaled = RECORD.replace('"scale":1', '"scale":2');
  assert.notEqual(rescaled, RECORD);
  assert.throws(() => decoder.addSchema(legacyFp, rescaled), { code: 'ENCODE', message: /has fingerprint/ });
  assert.throws(() => decoder.addSchema('xyz', RECORD), { code: 'ENCODE', message: /is not 16 hex digits/ });
  assert.throws(() => decoder.addSchema(RECORD_FP, '{"type":'), { code: 'ENCODE', message: /is not a valid Avro schema/ });
  assert.equal(decoder.hasSchema(RECORD_FP), false);
  decoder.addSchema(legacyFp, RECORD);
  const body = Buffer.from([0x02, 0x04, 0x01, 0x00]);
  assert.deepStrictEqual({ ...(decoder.decode(Buffer.concat([frameHeader(BigInt(`0x${legacyFp}`)), body])).value as object) }, { id: 1n, price: Buffer.from([1, 0]) });
});
