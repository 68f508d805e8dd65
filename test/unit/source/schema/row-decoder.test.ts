import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TributaryError } from '../../../../src/errors/tributary-error.js';
import type { TableSchema } from '../../../../src/model/table-schema.js';
import { columnSpecOf, columnType, type ColumnType } from '../../../../src/source/schema/column-type.js';
import { RowDecoder } from '../../../../src/source/schema/row-decoder.js';

function decoderOf(columns: Record<string, ColumnType>, warnings: string[] = []): RowDecoder {
  const names = Object.keys(columns);
  const types = names.map((n) => columns[n] as ColumnType);
  const schema: TableSchema = {
    db: 'd',
    table: 't',
    columns: names.map((n, i) => columnSpecOf(n, types[i] as ColumnType, true)),
    primaryKey: [],
  };
  return new RowDecoder(schema, types, (m) => warnings.push(m));
}

test('integers: int stays number, INT UNSIGNED and BIGINT become bigint, BIGINT UNSIGNED decimal bytes', () => {
  const d = decoderOf({
    ti: columnType('integer', 'tinyint'),
    iu: columnType('integer', 'int', { unsigned: true }),
    bi: columnType('integer', 'bigint'),
    bu: columnType('integer', 'bigint', { unsigned: true }),
  });
  assert.deepEqual(d.decode({ ti: -128, iu: 4294967295, bi: '-9223372036854775808', bu: '18446744073709551615' }), {
    ti: -128,
    iu: 4294967295n,
    bi: -9223372036854775808n,
    bu: Buffer.from('00ffffffffffffffff', 'hex'),
  });
  assert.deepEqual(d.decode({ ti: 127, iu: 0, bi: 9007199254740991, bu: 0 }), {
    ti: 127,
    iu: 0n,
    bi: 9007199254740991n,
    bu: Buffer.from('00', 'hex'),
  });
});

test('decimal text becomes unscaled two-complement bytes; a Number is refused', () => {
  const d = decoderOf({ m: columnType('decimal', 'decimal', { precision: 10, scale: 2 }) });
  assert.deepEqual(d.decode({ m: '-1.50' }), { m: Buffer.from('ff6a', 'hex') });
  assert.deepEqual(d.decode({ m: '12345678.99' }), { m: Buffer.from('499602db', 'hex') });
  assert.throws(() => d.decode({ m: 1.5 }), (e: unknown) => e instanceof TributaryError && e.code === 'BINLOG_STREAM');
});

test('BIT(1) is a boolean, BIT(n) the little-endian bytes Debezium publishes', () => {
  const d = decoderOf({
    b1: columnType('bit', 'bit', { bits: 1 }),
    b10: columnType('bit', 'bit', { bits: 10 }),
    b64: columnType('bit', 'bit', { bits: 64 }),
  });
  const all = Buffer.alloc(8, 0xff);
  assert.deepEqual(d.decode({ b1: Buffer.from([1]), b10: Buffer.from([0x03, 0xff]), b64: all }), { b1: true, b10: Buffer.from([0xff, 0x03]), b64: all });
  // The server sends b'1000000001' (0x0201) big-endian, 02 01; Debezium's order is 01 02.
  const sent = Buffer.from('0201', 'hex');
  assert.deepEqual(d.decode({ b1: Buffer.from([0]), b10: sent, b64: Buffer.from('0000000000000102', 'hex') }), {
    b1: false,
    b10: Buffer.from('0102', 'hex'),
    b64: Buffer.from('0201000000000000', 'hex'),
  });
  assert.deepEqual(sent, Buffer.from('0201', 'hex'), 'the decoder must not reverse the source buffer in place');
});

test('text arriving as a raw Buffer is decoded with the column charset (MySQL latin1 is cp1252)', () => {
  const d = decoderOf({
    l1: columnType('text', 'varchar', { charset: 'latin1' }),
    u8: columnType('text', 'varchar', { charset: 'utf8mb4' }),
    l2: columnType('text', 'varchar', { charset: 'latin2' }),
    en: columnType('enum', 'enum', { charset: 'utf8mb4' }),
  });
  assert.deepEqual(
    d.decode({
      l1: Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x80, 0x81]),
      u8: Buffer.from('😀x', 'utf8'),
      l2: Buffer.from([0xb1]),
      en: 'b,c',
    }),
    { l1: 'café€\u0081', u8: '😀x', l2: 'ą', en: 'b,c' },
  );
  assert.deepEqual(d.decode({ l1: 'café', u8: '😀', l2: 'x', en: undefined }), { l1: 'café', u8: '😀', l2: 'x', en: '' });
});

test('zero and partial dates become null with one warning per column', () => {
  const warnings: string[] = [];
  const d = decoderOf(
    {
      dt: columnType('date', 'date'),
      dtm: columnType('datetime', 'datetime', { fsp: 6 }),
      ts: columnType('timestamp', 'timestamp'),
    },
    warnings,
  );
  const zero = { dt: '0000-00-00', dtm: '0000-00-00 00:00:00.000000', ts: '0000-00-00 00:00:00' };
  assert.deepEqual(d.decode(zero), { dt: null, dtm: null, ts: null });
  assert.deepEqual(d.decode({ dt: '2020-05-00', dtm: new Date(Number.NaN), ts: '0000-00-00 00:00:00' }), {
    dt: null,
    dtm: null,
    ts: null,
  });
  assert.equal(warnings.length, 3);
  assert.match(warnings[0] as string, /^d\.t\.dt: zero or partial date string 0000-00-00 published as null/);
  assert.match(warnings[1] as string, /^d\.t\.dtm: zero or partial datetime/);
  assert.match(warnings[2] as string, /^d\.t\.ts: zero or partial timestamp/);
  assert.deepEqual(d.decode({ dt: '1969-12-31', dtm: '9999-12-31 23:59:59.999999', ts: '2038-01-19 03:14:07' }), {
    dt: -1,
    dtm: 253_402_300_799_999_999n,
    ts: '2038-01-19T03:14:07Z',
  });
});

test('a valid JS Date (zongji without dateStrings) is refused rather than truncated to ms', () => {
  const d = decoderOf({ dtm: columnType('datetime', 'datetime', { fsp: 6 }) });
  assert.throws(
    () => d.decode({ dtm: new Date('2020-01-01T00:00:00.123Z') }),
    (e: unknown) => e instanceof TributaryError && e.code === 'BINLOG_STREAM' && /ZONGJI_ROW_OPTIONS/.test(e.fix ?? ''),
  );
});

test('TIME keeps negative and beyond-24h durations; YEAR 0000 (1900 from zongji) is 0', () => {
  const d = decoderOf({ tm: columnType('time', 'time', { fsp: 6 }), yr: columnType('year', 'year') });
  assert.deepEqual(d.decode({ tm: '-838:59:59.000000', yr: 1900 }), { tm: -3_020_399_000_000n, yr: 0 });
  assert.deepEqual(d.decode({ tm: '838:59:59.000000', yr: 2155 }), { tm: 3_020_399_000_000n, yr: 2155 });
  assert.deepEqual(d.decode({ tm: '-00:00:01.500000', yr: 1901 }), { tm: -1_500_000n, yr: 1901 });
});

test('geometry splits off the 4-byte SRID into a record with the WKB (a point with x and y); a parsed geometry is refused', () => {
  const d = decoderOf({ p: columnType('geometry', 'point'), g: columnType('geometry', 'polygon') });
  const wkb = Buffer.from('0101000000000000000000f83f00000000000000c0', 'hex');
  const polygon = Buffer.from('01030000000100000004000000' + '0'.repeat(32) + '000000000000f03f' + '0'.repeat(16) + '000000000000f03f000000000000f03f' + '0'.repeat(32), 'hex');
  const internal = (srid: string, g: Buffer) => Buffer.concat([Buffer.from(srid, 'hex'), g]);
  assert.deepEqual(d.decode({ p: internal('e6100000', wkb), g: internal('00000000', polygon) }), {
    p: { x: 1.5, y: -2, wkb, srid: 4326 },
    g: { wkb: polygon, srid: null },
  });
  assert.throws(
    () => d.decode({ p: { x: 1.5, y: -2 }, g: null }),
    (e: unknown) => e instanceof TributaryError && /TableSchemaCache\.fromTableMap/.test(e.fix ?? ''),
  );
  // A POINT column's value must be one 2D point, as Debezium requires.
  assert.throws(
    () => d.decode({ p: internal('00000000', polygon), g: null }),
    (e: unknown) => e instanceof TributaryError && /d\.t\.p/.test(e.message) && /2D point/.test(e.fix ?? ''),
  );
});

test('JSON must arrive as text (jsonStrings); NULL stays null for every type', () => {
  const d = decoderOf({ js: columnType('json', 'json', { charset: 'utf8mb4' }), f: columnType('float', 'float') });
  assert.deepEqual(d.decode({ js: '{"a": 12345678901234567890}', f: 1.5 }), { js: '{"a": 12345678901234567890}', f: 1.5 });
  assert.deepEqual(d.decode({ js: null, f: null }), { js: null, f: null });
  assert.throws(() => d.decode({ js: { a: 1 }, f: 1 }), (e: unknown) => e instanceof TributaryError && /jsonStrings|ZONGJI_ROW_OPTIONS/.test(e.fix ?? ''));
});

test('decodeValues reads a row array in schema order and gives what decode gives for the same record', () => {
  const d = decoderOf({ id: columnType('integer', 'bigint'), m: columnType('decimal', 'decimal', { precision: 12, scale: 2 }), e: columnType('enum', 'enum', { members: ['x'] }) });
  const record = { id: '7', m: '-0.50', e: undefined };
  const expected = { id: 7n, m: Buffer.from('ce', 'hex'), e: '' };
  assert.deepEqual(d.decode(record), expected);
  assert.deepEqual(d.decodeValues(['7', '-0.50', undefined]), expected);
  assert.deepEqual(d.decodeValues([null, null, null]), { id: null, m: null, e: null });
});

test('any column name is a plain property of the decoded row: quotes, backslashes, line separators, __proto__', () => {
  const names = ['a"b', "c'd", 'e\\f', 'g\u2028h', '`x`', '__proto__', 'constructor', '0', ''];
  const d = decoderOf(Object.fromEntries(names.map((n) => [n, columnType('integer', 'int')])));
  const row = d.decode(Object.fromEntries(names.map((n, i) => [n, i])));
  assert.deepEqual(Object.keys(row).sort(), [...names].sort());
  names.forEach((n, i) => assert.equal(Object.getOwnPropertyDescriptor(row, n)?.value, i, n));
  assert.equal(Object.getPrototypeOf(row), Object.prototype);
  // Row arrays are in the schema's column order (here '0' first, as Object.keys puts it).
  const order = d.schema.columns.map((c) => c.name);
  const fromValues = d.decodeValues(order.map((_, i) => i));
  order.forEach((n, i) => assert.equal(Object.getOwnPropertyDescriptor(fromValues, n)?.value, i, n));
});
