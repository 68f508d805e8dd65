/**
 * Every column type Tributary maps (docs/type-mapping.md), with three boundary values each:
 * the table of test/integration/pipeline/types.test.ts, shared with the standard-decoder
 * test so both check the same values.
 */
import { geometryAvroType } from '../../src/source/schema/geometry-value.js';
import { ON_MYSQL } from './stack.js';

export const decimal = (precision: number, scale: number) => ({
  type: 'bytes', logicalType: 'decimal', precision, scale, 'connect.version': 1,
  'connect.parameters': { scale: String(scale), 'connect.decimal.precision': String(precision) },
  'connect.name': 'org.apache.kafka.connect.data.Decimal',
});
export const named = (type: string, name: string, parameters?: Record<string, string>) =>
  parameters === undefined ? { type, 'connect.version': 1, 'connect.name': name } : { type, 'connect.version': 1, 'connect.parameters': parameters, 'connect.name': name };
export const DATE = { type: 'int', logicalType: 'date', 'connect.version': 1, 'connect.name': 'org.apache.kafka.connect.data.Date' };
/** DATETIME: a local date-time, microseconds as if UTC. */
export const TS = { type: 'long', logicalType: 'timestamp-micros', 'connect.version': 1, 'connect.name': 'io.debezium.time.MicroTimestamp' };
/** TIMESTAMP: Debezium's ISO-8601 instant text in UTC, exactly fsp fraction digits. */
export const ZONED_TS = named('string', 'io.debezium.time.ZonedTimestamp');
export const TIME = named('long', 'io.debezium.time.MicroTime');
export const INT16 = { type: 'int', 'connect.type': 'int16' };

const D65 = '99999999999999999999999999999999999.999999999999999999999999999999';
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const LONG_TEXT = 'ü😀'.repeat(10_000); // 60,000 bytes: near TEXT's 65,535
const JSON_TEXT = '{"a": 12345678901234567890, "b": [1, "😀"], "c": null}';
/**
 * Marks a geometry value: the expected record is the server's own view of the stored value
 * (see geometrySelect and geometryExpected), not a constant.
 */
export const WKB = Symbol('wkb');

/**
 * SELECT expressions for the server's view of geometry column `column`: `<column>_wkb`, its
 * WKB in the stored axis order (MySQL's ST_AsBinary writes a geographic SRID such as 4326
 * latitude first unless told otherwise; MariaDB has no axis order and no such option), and
 * `<column>_srid`, on the lane's server.
 */
export function geometrySelect(column: string): string {
  const wkb = `ST_AsBinary(${column}${ON_MYSQL ? ", 'axis-order=long-lat'" : ''})`;
  return `${wkb} AS ${column}_wkb, ST_SRID(${column}) AS ${column}_srid`;
}

/**
 * The record Tributary must publish for a geometry column of a row selected with
 * geometrySelect: Debezium's {wkb, srid} with SRID 0 as null, and for a POINT column x and y,
 * the coordinates of that WKB (little-endian: MySQL writes WKB so).
 */
export function geometryExpected(row: Record<string, unknown>, column: string, point: boolean): Record<string, unknown> | null {
  const wkb = row[`${column}_wkb`];
  if (wkb === null || wkb === undefined) return null;
  const bytes = wkb as Buffer;
  const srid = Number(row[`${column}_srid`]);
  const record = { wkb: bytes, srid: srid === 0 ? null : srid };
  return point ? { x: bytes.readDoubleLE(5), y: bytes.readDoubleLE(13), ...record } : record;
}

export interface Column {
  name: string;
  ddl: string;
  /** The non-null Avro type the published schema must give the column. */
  avro: unknown;
  /** Value sets A, B, C: [SQL expression, expected decoded value]. Set N is NULL everywhere. */
  sets: [[string, unknown], [string, unknown], [string, unknown]];
}

/** Every column of table `every_type`, all nullable. Decimals are expected as exact text. */
export const COLUMNS: Column[] = [
  { name: 'ti', ddl: 'TINYINT', avro: INT16, sets: [['-128', -128], ['127', 127], ['0', 0]] },
  { name: 'tu', ddl: 'TINYINT UNSIGNED', avro: INT16, sets: [['0', 0], ['255', 255], ['128', 128]] },
  { name: 'si', ddl: 'SMALLINT', avro: INT16, sets: [['-32768', -32768], ['32767', 32767], ['-1', -1]] },
  { name: 'su', ddl: 'SMALLINT UNSIGNED', avro: 'int', sets: [['0', 0], ['65535', 65535], ['32768', 32768]] },
  { name: 'mi', ddl: 'MEDIUMINT', avro: 'int', sets: [['-8388608', -8388608], ['8388607', 8388607], ['-1', -1]] },
  { name: 'mu', ddl: 'MEDIUMINT UNSIGNED', avro: 'int', sets: [['0', 0], ['16777215', 16777215], ['8388608', 8388608]] },
  { name: 'i', ddl: 'INT', avro: 'int', sets: [['-2147483648', -2147483648], ['2147483647', 2147483647], ['-1', -1]] },
  { name: 'iu', ddl: 'INT UNSIGNED', avro: 'long', sets: [['0', 0n], ['4294967295', 4294967295n], ['2147483648', 2147483648n]] },
  {
    name: 'bi', ddl: 'BIGINT', avro: 'long',
    sets: [['-9223372036854775808', -9223372036854775808n], ['9223372036854775807', 9223372036854775807n], ['9007199254740993', 9007199254740993n]],
  },
  {
    name: 'bu', ddl: 'BIGINT UNSIGNED', avro: decimal(20, 0),
    sets: [['0', '0'], ['18446744073709551615', '18446744073709551615'], ['9223372036854775808', '9223372036854775808']],
  },
  {
    name: 'd', ddl: 'DECIMAL(65,30)', avro: decimal(65, 30),
    sets: [[`-${D65}`, `-${D65}`], [D65, D65], ['-0.000000000000000000000000000001', '-0.000000000000000000000000000001']],
  },
  { name: 'd2', ddl: 'DECIMAL(10,2)', avro: decimal(10, 2), sets: [['-99999999.99', '-99999999.99'], ['99999999.99', '99999999.99'], ['-0.5', '-0.50']] },
  {
    name: 'f', ddl: 'FLOAT', avro: 'float',
    sets: [['-3.4028234663852886e38', -3.4028234663852886e38], ['3.4028234663852886e38', 3.4028234663852886e38], ['0.1', Math.fround(0.1)]],
  },
  {
    name: 'db', ddl: 'DOUBLE', avro: 'double',
    sets: [['-1.7976931348623157e308', -1.7976931348623157e308], ['1.7976931348623157e308', 1.7976931348623157e308], ['5e-324', 5e-324]],
  },
  { name: 'b1', ddl: 'BIT(1)', avro: 'boolean', sets: [["b'0'", false], ["b'1'", true], ["b'1'", true]] },
  {
    name: 'b10', ddl: 'BIT(10)', avro: named('bytes', 'io.debezium.data.Bits', { length: '10' }),
    // Little-endian, as Debezium publishes BIT(n): b'1000000001' is 0x0201, bytes 01 02.
    sets: [["b'0'", Buffer.from([0, 0])], ["b'1111111111'", Buffer.from([0xff, 0x03])], ["b'1000000001'", Buffer.from([0x01, 0x02])]],
  },
  {
    name: 'b64', ddl: 'BIT(64)', avro: named('bytes', 'io.debezium.data.Bits', { length: '64' }),
    sets: [["b'0'", Buffer.alloc(8)], [`b'${'1'.repeat(64)}'`, Buffer.alloc(8, 0xff)], ["b'1'", Buffer.from([1, 0, 0, 0, 0, 0, 0, 0])]],
  },
  { name: 'ch', ddl: 'CHAR(4) CHARACTER SET utf8mb4', avro: 'string', sets: [["''", ''], ["'😀😀😀😀'", '😀😀😀😀'], ["' é '", ' é']] },
  {
    name: 'vc', ddl: 'VARCHAR(40) CHARACTER SET utf8mb4', avro: 'string',
    sets: [["''", ''], ["'😀 four-byte utf8mb4 🎉'", '😀 four-byte utf8mb4 🎉'], ["'trailing space '", 'trailing space ']],
  },
  {
    name: 'tx', ddl: 'TEXT CHARACTER SET utf8mb4', avro: 'string',
    sets: [["''", ''], ["REPEAT('ü😀', 10000)", LONG_TEXT], ["'line1\\nline2\\ttab'", 'line1\nline2\ttab']],
  },
  // MySQL's latin1 is cp1252 (0x80 is €), and its five bytes cp1252 leaves undefined are C1 controls.
  { name: 'l1', ddl: 'VARCHAR(20) CHARACTER SET latin1', avro: 'string', sets: [["'café'", 'café'], ["'€'", '€'], ["'Œ‰ÿ'", 'Œ‰ÿ']] },
  { name: 'l1c', ddl: 'CHAR(5) CHARACTER SET latin1', avro: 'string', sets: [["'€'", '€'], ["'café€'", 'café€'], ["'ab  '", 'ab']] },
  { name: 'l1t', ddl: 'TEXT CHARACTER SET latin1', avro: 'string', sets: [["'café €'", 'café €'], ["'„quoted“'", '„quoted“'], ["'x'", 'x']] },
  {
    name: 'bn', ddl: 'BINARY(4)', avro: 'bytes',
    sets: [["x'00000000'", Buffer.alloc(4)], ["x'ffffffff'", Buffer.alloc(4, 0xff)], ["'ab'", Buffer.from([0x61, 0x62, 0, 0])]],
  },
  {
    name: 'vb', ddl: 'VARBINARY(10)', avro: 'bytes',
    sets: [["''", Buffer.alloc(0)], ["x'00ff00'", Buffer.from([0, 0xff, 0])], [`x'${'ff'.repeat(10)}'`, Buffer.alloc(10, 0xff)]],
  },
  { name: 'bl', ddl: 'BLOB', avro: 'bytes', sets: [["''", Buffer.alloc(0)], [`x'${ALL_BYTES.toString('hex')}'`, ALL_BYTES], ["x'00'", Buffer.from([0])]] },
  { name: 'dt', ddl: 'DATE', avro: DATE, sets: [["'1000-01-01'", -354_285], ["'9999-12-31'", 2_932_896], ["'1969-12-31'", -1]] },
  {
    name: 'dtm', ddl: 'DATETIME(6)', avro: TS,
    sets: [
      ["'1000-01-01 00:00:00.000000'", -30_610_224_000_000_000n],
      ["'9999-12-31 23:59:59.999999'", 253_402_300_799_999_999n],
      ["'1969-12-31 23:59:59.999999'", -1n],
    ],
  },
  {
    // Written by a session at time_zone '+00:00', so the literals are UTC.
    name: 'ts', ddl: 'TIMESTAMP(6) NULL DEFAULT NULL', avro: ZONED_TS,
    sets: [
      ["'1970-01-01 00:00:01.000000'", '1970-01-01T00:00:01.000000Z'],
      ["'2038-01-19 03:14:07.999999'", '2038-01-19T03:14:07.999999Z'],
      ["'2000-02-29 12:34:56.000001'", '2000-02-29T12:34:56.000001Z'],
    ],
  },
  {
    // A zero fraction keeps its fsp digits (Debezium pads, it does not trim).
    name: 'ts3', ddl: 'TIMESTAMP(3) NULL DEFAULT NULL', avro: ZONED_TS,
    sets: [
      ["'1970-01-01 00:00:01.000'", '1970-01-01T00:00:01.000Z'],
      ["'2038-01-19 03:14:07.999'", '2038-01-19T03:14:07.999Z'],
      ["'2024-02-29 23:59:59.010'", '2024-02-29T23:59:59.010Z'],
    ],
  },
  {
    name: 'ts0', ddl: 'TIMESTAMP NULL DEFAULT NULL', avro: ZONED_TS,
    sets: [
      ["'1970-01-01 00:00:01'", '1970-01-01T00:00:01Z'],
      ["'2038-01-19 03:14:07'", '2038-01-19T03:14:07Z'],
      ["'2024-02-29 00:00:00'", '2024-02-29T00:00:00Z'],
    ],
  },
  {
    name: 'tm', ddl: 'TIME(6)', avro: TIME,
    sets: [["'-838:59:59.000000'", -3_020_399_000_000n], ["'838:59:59.000000'", 3_020_399_000_000n], ["'-00:00:00.000001'", -1n]],
  },
  { name: 'tm0', ddl: 'TIME', avro: TIME, sets: [["'-838:59:59'", -3_020_399_000_000n], ["'838:59:59'", 3_020_399_000_000n], ["'25:00:00'", 90_000_000_000n]] },
  { name: 'yr', ddl: 'YEAR', avro: named('int', 'io.debezium.time.Year'), sets: [['1901', 1901], ['2155', 2155], ['2000', 2000]] },
  { name: 'en', ddl: "ENUM('a','b,c','é')", avro: named('string', 'io.debezium.data.Enum', { allowed: 'a,b,c,é' }), sets: [["'a'", 'a'], ["'é'", 'é'], ["'b,c'", 'b,c']] },
  { name: 'st', ddl: "SET('x','y','z')", avro: named('string', 'io.debezium.data.EnumSet', { allowed: 'x,y,z' }), sets: [["''", ''], ["'x,y,z'", 'x,y,z'], ["'z,x'", 'x,z']] },
  // MariaDB's JSON is LONGTEXT (DATA_TYPE longtext, binlogged as a blob): a plain string,
  // as Debezium's MariaDB connector publishes it; MySQL's JSON carries io.debezium.data.Json.
  { name: 'js', ddl: 'JSON', avro: ON_MYSQL ? named('string', 'io.debezium.data.Json') : 'string', sets: [["'[]'", '[]'], [`'${JSON_TEXT}'`, JSON_TEXT], [`'"é"'`, '"é"']] },
  {
    name: 'pt', ddl: 'POINT', avro: geometryAvroType('point'),
    sets: [["POINT(0, 0)", WKB], ["ST_GeomFromText('POINT(1.5 -2)', 4326)", WKB], ["ST_GeomFromText('POINT(-180 90)', 3857)", WKB]],
  },
  {
    name: 'pg', ddl: 'POLYGON', avro: geometryAvroType('polygon'),
    sets: [
      ["ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))')", WKB],
      ["ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0),(1 1,2 1,2 2,1 1))', 4326)", WKB],
      ["ST_GeomFromText('POLYGON((-1.5 -1.5,1.5 -1.5,0 2.25,-1.5 -1.5))')", WKB],
    ],
  },
];
