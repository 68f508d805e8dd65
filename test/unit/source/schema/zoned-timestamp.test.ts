import assert from 'node:assert/strict';
import { test } from 'node:test';
import { columnConverter, type ColumnConverter } from '../../../../src/source/schema/column-converter.js';
import { avroTypeOf, columnType } from '../../../../src/source/schema/column-type.js';
import { parseZonedTimestamp } from '../../../../src/source/schema/zoned-timestamp.js';

test('exactly fsp fraction digits, trailing zeros kept; none for fsp 0', () => {
  const expected = [
    '2024-02-29T12:34:56Z',
    '2024-02-29T12:34:56.1Z',
    '2024-02-29T12:34:56.12Z',
    '2024-02-29T12:34:56.123Z',
    '2024-02-29T12:34:56.1234Z',
    '2024-02-29T12:34:56.12345Z',
    '2024-02-29T12:34:56.123456Z',
  ];
  for (let fsp = 0; fsp <= 6; fsp++) {
    // The server prints exactly fsp digits; what it printed is cut to fsp either way.
    const printed = fsp === 0 ? '2024-02-29 12:34:56' : `2024-02-29 12:34:56.${'123456'.slice(0, fsp)}`;
    assert.equal(parseZonedTimestamp(printed, fsp), expected[fsp], `fsp ${fsp}`);
    assert.equal(parseZonedTimestamp('2024-02-29 12:34:56.123456', fsp), expected[fsp], `fsp ${fsp}, 6 digits given`);
  }
});

test('a zero fraction is padded to fsp, never trimmed; a shorter one is padded', () => {
  assert.equal(parseZonedTimestamp('2024-02-29 00:00:00.000', 3), '2024-02-29T00:00:00.000Z');
  assert.equal(parseZonedTimestamp('2024-02-29 00:00:00', 3), '2024-02-29T00:00:00.000Z');
  assert.equal(parseZonedTimestamp('2024-02-29 00:00:00.5', 6), '2024-02-29T00:00:00.500000Z');
  assert.equal(parseZonedTimestamp('2024-02-29 00:00:00.000000', 0), '2024-02-29T00:00:00Z');
  assert.equal(parseZonedTimestamp('2024-02-29 00:00:00.010', 2), '2024-02-29T00:00:00.01Z');
});

test('the TIMESTAMP range: 1970 start, leap days, 2038 end and past it', () => {
  assert.equal(parseZonedTimestamp('1970-01-01 00:00:01', 0), '1970-01-01T00:00:01Z');
  assert.equal(parseZonedTimestamp('1970-01-01 00:00:01.000001', 6), '1970-01-01T00:00:01.000001Z');
  assert.equal(parseZonedTimestamp('2000-02-29 23:59:59.99', 2), '2000-02-29T23:59:59.99Z');
  assert.equal(parseZonedTimestamp('2038-01-19 03:14:07.999999', 6), '2038-01-19T03:14:07.999999Z');
  // MySQL 8.0.28+ on 64-bit platforms accepts later instants in FROM_UNIXTIME; the text
  // form carries them unchanged.
  assert.equal(parseZonedTimestamp('2106-02-07 06:28:15', 0), '2106-02-07T06:28:15Z');
  assert.equal(parseZonedTimestamp('3001-01-18 23:59:59.999', 3), '3001-01-18T23:59:59.999Z');
});

test('zero and partial dates are null; malformed text throws', () => {
  assert.equal(parseZonedTimestamp('0000-00-00 00:00:00', 0), null);
  assert.equal(parseZonedTimestamp('0000-00-00 00:00:00.000000', 6), null);
  assert.equal(parseZonedTimestamp('2020-00-15 10:00:00', 0), null);
  assert.throws(() => parseZonedTimestamp('2020-01-01T10:00:00', 0), /malformed DATETIME value/);
  assert.throws(() => parseZonedTimestamp('2020-01-01 24:00:00', 0), /malformed/);
  assert.throws(() => parseZonedTimestamp('2020-01-01 10:00:00.1234567', 6), /malformed/);
});

test('TIMESTAMP columns are Debezium ZonedTimestamp strings; DATETIME stays MicroTimestamp', () => {
  assert.deepEqual(avroTypeOf(columnType('timestamp', 'timestamp', { fsp: 3 })), {
    type: 'string',
    'connect.version': 1,
    'connect.name': 'io.debezium.time.ZonedTimestamp',
  });
  assert.deepEqual(avroTypeOf(columnType('datetime', 'datetime', { fsp: 3 })), {
    type: 'long',
    logicalType: 'timestamp-micros',
    'connect.version': 1,
    'connect.name': 'io.debezium.time.MicroTimestamp',
  });
  const ctx = { db: 'd', table: 't', column: 'ts', warn: () => {} };
  const ts3: ColumnConverter = columnConverter(columnType('timestamp', 'timestamp', { fsp: 3 }), ctx);
  assert.equal(ts3('2021-03-04 05:06:07.800'), '2021-03-04T05:06:07.800Z');
  assert.equal(ts3('0000-00-00 00:00:00.000'), null);
  const dt3 = columnConverter(columnType('datetime', 'datetime', { fsp: 3 }), ctx);
  assert.equal(dt3('2021-03-04 05:06:07.800'), 1_614_834_367_800_000n);
});
