import assert from 'node:assert/strict';
import { test } from 'node:test';
import { geometryAvroType, geometryValue, pointValue } from '../../../../src/source/schema/geometry-value.js';

/** POINT(1.5 -2) as MySQL's WKB: little-endian, type 1, x, y. */
const POINT_WKB = Buffer.from('0101000000' + '000000000000f83f' + '00000000000000c0', 'hex');
const internal = (srid: string, wkb: Buffer) => Buffer.concat([Buffer.from(srid, 'hex'), wkb]);

test('the first 4 bytes are the SRID, little-endian; the rest is the WKB, unchanged', () => {
  assert.deepEqual(geometryValue(internal('e6100000', POINT_WKB)), { wkb: POINT_WKB, srid: 4326 });
  assert.deepEqual(geometryValue(internal('110f0000', POINT_WKB)), { wkb: POINT_WKB, srid: 3857 });
  // A big-endian SRID reading would give 0xe6100000; the byte order matters.
  assert.deepEqual(geometryValue(internal('00000001', POINT_WKB))?.srid, 16_777_216);
});

test('SRID 0 is null, as Debezium publishes it; an SRID above 2^31 - 1 is negative, as in Debezium', () => {
  assert.deepEqual(geometryValue(internal('00000000', POINT_WKB)), { wkb: POINT_WKB, srid: null });
  assert.equal(geometryValue(internal('ffffffff', POINT_WKB))?.srid, -1);
});

test('a value too short to hold an SRID and a WKB header is refused (null)', () => {
  assert.equal(geometryValue(Buffer.from('e6100000', 'hex')), null);
  assert.equal(geometryValue(Buffer.alloc(0)), null);
});

test('a point also gives x and y, in the stored order; other WKB is no point', () => {
  assert.deepEqual(pointValue(internal('e6100000', POINT_WKB)), { x: 1.5, y: -2, wkb: POINT_WKB, srid: 4326 });
  const bigEndian = Buffer.from('00' + '00000001' + '3ff8000000000000' + 'c000000000000000', 'hex');
  assert.deepEqual(pointValue(internal('00000000', bigEndian)), { x: 1.5, y: -2, wkb: bigEndian, srid: null });
  const lineString = Buffer.alloc(21); // a point's length, but type 2
  lineString.writeUInt8(1, 0);
  lineString.writeUInt32LE(2, 1);
  assert.equal(pointValue(internal('00000000', lineString)), null);
  assert.equal(pointValue(internal('00000000', POINT_WKB.subarray(0, 20))), null);
});

test('POINT is Debezium\'s Point record, every other spatial type its Geometry record', () => {
  const connect = { 'connect.version': 1 };
  assert.deepEqual(geometryAvroType('point'), {
    type: 'record', name: 'Point', namespace: 'io.debezium.data.geometry',
    fields: [
      { name: 'x', type: 'double' }, { name: 'y', type: 'double' },
      { name: 'wkb', type: ['null', 'bytes'], default: null }, { name: 'srid', type: ['null', 'int'], default: null },
    ],
    'connect.doc': 'Geometry (POINT)', ...connect, 'connect.name': 'io.debezium.data.geometry.Point',
  });
  const geometry = {
    type: 'record', name: 'Geometry', namespace: 'io.debezium.data.geometry',
    fields: [{ name: 'wkb', type: 'bytes' }, { name: 'srid', type: ['null', 'int'], default: null }],
    'connect.doc': 'Geometry', ...connect, 'connect.name': 'io.debezium.data.geometry.Geometry',
  };
  for (const t of ['geometry', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection']) {
    assert.deepEqual(geometryAvroType(t), geometry, t);
  }
});
