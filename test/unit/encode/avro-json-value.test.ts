import { test } from 'node:test';
import assert from 'node:assert/strict';
import { avroJsonValue, decimalString } from '../../../src/encode/avro-json-value.js';
import { geometryAvroType } from '../../../src/source/schema/geometry-value.js';

test('decimals are strings with the scale applied, negative and zero-padded too', () => {
  assert.equal(decimalString(Buffer.from([0x30, 0x39]), 2), '123.45');
  assert.equal(decimalString(Buffer.from([0xcf, 0xc7]), 2), '-123.45');
  assert.equal(decimalString(Buffer.from([0x05]), 3), '0.005');
  assert.equal(decimalString(Buffer.from([0xff]), 0), '-1');
  assert.equal(decimalString(Buffer.from('00ffffffffffffffff', 'hex'), 0), '18446744073709551615');
});

test('longs are strings, bytes base64, temporal values raw and ISO, unions their branch', () => {
  const schema = {
    type: 'record',
    name: 'Value',
    namespace: 'n',
    fields: [
      { name: 'big', type: 'long' },
      { name: 'data', type: ['null', 'bytes'] },
      { name: 'gone', type: ['null', 'string'] },
      { name: 'day', type: ['null', { type: 'int', logicalType: 'date' }] },
      { name: 'at', type: { type: 'long', logicalType: 'timestamp-micros' } },
      { name: 'dur', type: { type: 'long', logicalType: 'time-micros' } },
      { name: 'ts', type: ['null', { type: 'string', 'connect.version': 1, 'connect.name': 'io.debezium.time.ZonedTimestamp' }] },
      { name: 'same', type: ['null', 'Value'], default: null },
    ],
  };
  const value = {
    big: 9007199254740993n,
    data: Buffer.from([1, 2, 3]),
    gone: null,
    day: -1,
    at: 1_700_000_000_123_456n,
    dur: -3_020_399_000_000n,
    ts: '2038-01-19T03:14:07.990Z',
    same: { big: 1n, data: null, gone: 'x', day: null, at: 0n, dur: 0n, ts: null, same: null },
  };
  assert.deepEqual(avroJsonValue(schema, value), {
    big: '9007199254740993',
    data: 'AQID',
    gone: null,
    day: { days: -1, iso: '1969-12-31' },
    at: { micros: '1700000000123456', iso: '2023-11-14T22:13:20.123456Z' },
    dur: { micros: '-3020399000000', iso: '-838:59:59.000000' },
    // A TIMESTAMP is Debezium's ISO text already: shown as published, zeros and all.
    ts: '2038-01-19T03:14:07.990Z',
    same: { big: '1', data: null, gone: 'x', day: null, at: { micros: '0', iso: '1970-01-01T00:00:00.000000Z' }, dur: { micros: '0', iso: '00:00:00.000000' }, ts: null, same: null },
  });
});

test('geometry records render as objects, a second column of the type through its name reference', () => {
  const schema = {
    type: 'record',
    name: 'Value',
    namespace: 'n',
    fields: [
      { name: 'area', type: geometryAvroType('polygon') },
      { name: 'outline', type: ['null', 'io.debezium.data.geometry.Geometry'], default: null },
      { name: 'spot', type: geometryAvroType('point') },
    ],
  };
  const value = {
    area: { wkb: Buffer.from([1, 3, 0, 0, 0]), srid: 4326 },
    outline: { wkb: Buffer.from([1, 2, 0, 0, 0]), srid: null },
    spot: { x: 1.5, y: -2, wkb: Buffer.from('0101000000000000000000f83f00000000000000c0', 'hex'), srid: null },
  };
  assert.deepEqual(avroJsonValue(schema, value), {
    area: { wkb: 'AQMAAAA=', srid: 4326 },
    outline: { wkb: 'AQIAAAA=', srid: null },
    spot: { x: 1.5, y: -2, wkb: 'AQEAAAAAAAAAAAD4PwAAAAAAAADA', srid: null },
  });
});
