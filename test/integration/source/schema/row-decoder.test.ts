// TIMESTAMP values must not depend on the process time zone: run in one far from UTC.
process.env.TZ = 'America/New_York';

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type mysql from 'mysql2/promise';
import type { Row } from '../../../../src/model/change-event.js';
import { RowDecoder } from '../../../../src/source/schema/row-decoder.js';
import {
  columnSpecFromInformationSchema,
  columnTypeFromInformationSchema,
  INFORMATION_SCHEMA_COLUMNS_QUERY,
  type InformationSchemaColumn,
} from '../../../../src/source/schema/information-schema-column.js';
import { DATE, decimal, geometryExpected, geometrySelect, INT16, named, TIME, TS, ZONED_TS } from '../../../support/every-type-columns.js';
import { geometryAvroType } from '../../../../src/source/schema/geometry-value.js';
import { adminConnection, BinlogReader, randomSuffix, type ReadRow } from './binlog-zongji-harness.js';
import { ON_MYSQL } from '../../../support/stack.js';

const db = `t_schema_${randomSuffix()}`;
let admin: mysql.Connection;
let reader: BinlogReader;
let rows: ReadRow[];

const DECIMAL_MAX = '99999999999999999999999999999999999.999999999999999999999999999999';
const LONG_TEXT = 'long😀'.repeat(12_000);
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const JSON_TEXT = '{"a": 12345678901234567890, "b": [1, "😀"], "c": null}';

const CREATE = `CREATE TABLE ${db}.every_type (
  id INT NOT NULL PRIMARY KEY,
  ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED,
  mi MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED,
  d DECIMAL(65,30), d2 DECIMAL(10,2) NOT NULL DEFAULT 0,
  f FLOAT, db DOUBLE,
  b1 BIT(1), b10 BIT(10), b64 BIT(64),
  ch CHAR(4) CHARACTER SET utf8mb4, vc VARCHAR(40) CHARACTER SET utf8mb4 NOT NULL DEFAULT '',
  l1 VARCHAR(20) CHARACTER SET latin1, l1c CHAR(5) CHARACTER SET latin1,
  tx TEXT CHARACTER SET utf8mb4, lt LONGTEXT CHARACTER SET utf8mb4,
  bn BINARY(4), vb VARBINARY(10), bl BLOB,
  dt DATE, dtn DATE NOT NULL DEFAULT '2000-01-01', dtm DATETIME(6), dtm0 DATETIME,
  ts TIMESTAMP(6) NULL DEFAULT NULL, tm TIME(6), tm0 TIME, yr YEAR,
  en ENUM('a','b,c','é') CHARACTER SET utf8mb4, st SET('x','y','z'), js JSON,
  pt POINT, pg POLYGON, gm GEOMETRY, mp MULTIPOINT
) ENGINE=InnoDB`;

const GEOMETRY_COLUMNS = ['pt', 'pg', 'gm', 'mp'] as const;


/** [name, avro, nullable] of every column, as the published TableSchema must say. */
const EXPECTED_COLUMNS: [string, unknown, boolean][] = [
  ['id', 'int', false],
  ['ti', INT16, true], ['tu', INT16, true], ['si', INT16, true], ['su', 'int', true],
  ['mi', 'int', true], ['mu', 'int', true], ['i', 'int', true], ['iu', 'long', true], ['bi', 'long', true],
  ['bu', decimal(20, 0), true],
  ['d', decimal(65, 30), true], ['d2', decimal(10, 2), false],
  ['f', 'float', true], ['db', 'double', true],
  ['b1', 'boolean', true], ['b10', named('bytes', 'io.debezium.data.Bits', { length: '10' }), true], ['b64', named('bytes', 'io.debezium.data.Bits', { length: '64' }), true],
  ['ch', 'string', true], ['vc', 'string', false], ['l1', 'string', true], ['l1c', 'string', true],
  ['tx', 'string', true], ['lt', 'string', true],
  ['bn', 'bytes', true], ['vb', 'bytes', true], ['bl', 'bytes', true],
  // DATE/DATETIME/TIMESTAMP are nullable even when NOT NULL (zero dates become null).
  ['dt', DATE, true], ['dtn', DATE, true], ['dtm', TS, true], ['dtm0', TS, true],
  ['ts', ZONED_TS, true], ['tm', TIME, true], ['tm0', TIME, true], ['yr', named('int', 'io.debezium.time.Year'), true],
  ['en', named('string', 'io.debezium.data.Enum', { allowed: 'a,b,c,é' }), true],
  ['st', named('string', 'io.debezium.data.EnumSet', { allowed: 'x,y,z' }), true], ['js', ON_MYSQL ? named('string', 'io.debezium.data.Json') : 'string', true],
  ['pt', geometryAvroType('point'), true], ['pg', geometryAvroType('polygon'), true],
  ['gm', geometryAvroType('geometry'), true], ['mp', geometryAvroType('multipoint'), true],
];

function fromTwosComplement(bytes: unknown): bigint {
  assert.ok(Buffer.isBuffer(bytes), `expected a Buffer, got ${String(bytes)}`);
  return BigInt.asIntN(bytes.length * 8, BigInt(`0x${bytes.toString('hex')}`));
}

/** The server's own view (MariaDB's: this harness reads it alone) of each geometry column of each row, as the record we must publish. */
async function serverGeometry(): Promise<Map<number, Record<string, unknown>>> {
  const [result] = await admin.query(`SELECT id, ${GEOMETRY_COLUMNS.map((c) => geometrySelect(c)).join(', ')} FROM ${db}.every_type`);
  const byId = new Map<number, Record<string, unknown>>();
  for (const r of result as Record<string, unknown>[]) {
    byId.set(r.id as number, Object.fromEntries(GEOMETRY_COLUMNS.map((c) => [c, geometryExpected(r, c, c === 'pt')])));
  }
  return byId;
}

before(async () => {
  admin = await adminConnection();
  await admin.query(`CREATE DATABASE ${db}`);
  await admin.query(CREATE);
  reader = new BinlogReader(db);
  await reader.start();

  await admin.query(`SET SESSION time_zone = '+00:00'`);
  // Row 1: minimums.
  await admin.query(
    `INSERT INTO ${db}.every_type VALUES (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0,
      -9223372036854775808, 0, '-${DECIMAL_MAX}', -99999999.99, -1.5, -2.2250738585072014e-308,
      b'0', b'1000000001', b'0', '', '', 'café', '€', '', '', 'ab', '', '',
      '1000-01-01', '1000-01-01', '1000-01-01 00:00:00.000000', '1000-01-01 00:00:00',
      '1970-01-01 00:00:01.000000', '-838:59:59.000000', '-838:59:59', 1901, 'a', '', '[]',
      POINT(0, 0), ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'),
      ST_GeomFromText('LINESTRING(0 0,1 1,2 0)'), ST_GeomFromText('MULTIPOINT(0 0)'))`,
  );
  // Row 2: maximums.
  await admin.query(
    `INSERT INTO ${db}.every_type VALUES (2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647,
      4294967295, 9223372036854775807, 18446744073709551615, '${DECIMAL_MAX}', 99999999.99,
      16777216, 1.7976931348623157e308, b'1', b'1111111111',
      b'1111111111111111111111111111111111111111111111111111111111111111',
      '😀😀', '😀 four-byte utf8mb4 🎉', 'café€', 'Ã©', 'line1\\nline2', ?, 'abcd', x'00ff', ?,
      '9999-12-31', '9999-12-31', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59',
      '2038-01-19 03:14:07.999999', '838:59:59.000000', '838:59:59', 2155, 'b,c', 'x,y,z', ?,
      ST_GeomFromText('POINT(1.5 -2)', 4326),
      ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0),(1 1,2 1,2 2,1 1))'),
      ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))'),
      ST_GeomFromText('MULTIPOINT(1 1,2 2)'))`,
    [LONG_TEXT, ALL_BYTES, JSON_TEXT],
  );
  // Row 3: NULL wherever the table allows it.
  await admin.query(`INSERT INTO ${db}.every_type (id) VALUES (3)`);
  // Row 4: zero and partial dates, an invalid ENUM value and YEAR 0000, which need a lax sql_mode.
  await admin.query(`SET SESSION sql_mode = ''`);
  await admin.query(
    `INSERT INTO ${db}.every_type (id, dt, dtn, dtm, dtm0, ts, tm, yr, en, ch)
     VALUES (4, '0000-00-00', '0000-00-00', '2020-00-15 10:00:00.000000', '0000-00-00 00:00:00',
             '0000-00-00 00:00:00', '-00:00:01.500000', 0, 'not-a-member', 'é')`,
  );
  await admin.query(`SET SESSION sql_mode = DEFAULT`);
  // Row 5: a TIMESTAMP written under another session zone is the same instant.
  await admin.query(`SET SESSION time_zone = '+05:00'`);
  await admin.query(`INSERT INTO ${db}.every_type (id, ts) VALUES (5, '2000-01-01 05:00:00.000001')`);
  rows = await reader.waitForRows(5);
});

after(async () => {
  await reader?.stop();
  await admin?.query(`DROP DATABASE IF EXISTS ${db}`);
  await admin?.end();
});

function row(id: number): Row {
  const found = rows.find((r) => r.row.id === id);
  assert.ok(found, `row ${id} was read`);
  return found.row;
}

test('the TableSchema from the binlog has the exact Avro types, nullability and key', () => {
  const schema = rows[0]?.schema;
  assert.ok(schema);
  assert.equal(schema.db, db);
  assert.equal(schema.table, 'every_type');
  assert.deepEqual(schema.primaryKey, ['id']);
  assert.deepEqual(
    schema.columns.map((c) => [c.name, c.avro, c.nullable]),
    EXPECTED_COLUMNS,
  );
  for (const r of rows) assert.equal(r.schema, schema, 'one schema object for the unchanged table');
});

test('information_schema maps every column to the same ColumnSpec as the binlog', async () => {
  const [result] = await admin.query(INFORMATION_SCHEMA_COLUMNS_QUERY, [db, 'every_type']);
  const specs = (result as InformationSchemaColumn[]).map((c) => columnSpecFromInformationSchema(db, 'every_type', c));
  assert.deepEqual(specs, rows[0]?.schema.columns);
});

test('minimum values', () => {
  const r = row(1);
  assert.deepEqual(
    { ...r, d: undefined, d2: undefined, pt: undefined, pg: undefined, gm: undefined, mp: undefined },
    {
      id: 1, ti: -128, tu: 0, si: -32768, su: 0, mi: -8388608, mu: 0, i: -2147483648, iu: 0n,
      bi: -9223372036854775808n, bu: Buffer.from([0]),
      d: undefined, d2: undefined, f: -1.5, db: -2.2250738585072014e-308,
      b1: false, b10: Buffer.from([0x01, 0x02]), b64: Buffer.alloc(8),
      ch: '', vc: '', l1: 'café', l1c: '€', tx: '', lt: '',
      bn: Buffer.from([0x61, 0x62, 0, 0]), vb: Buffer.alloc(0), bl: Buffer.alloc(0),
      dt: -354_285, dtn: -354_285, dtm: -30_610_224_000_000_000n, dtm0: -30_610_224_000_000_000n,
      ts: '1970-01-01T00:00:01.000000Z', tm: -3_020_399_000_000n, tm0: -3_020_399_000_000n, yr: 1901,
      en: 'a', st: '', js: '[]', pt: undefined, pg: undefined, gm: undefined, mp: undefined,
    },
  );
  assert.equal(fromTwosComplement(r.d), -(10n ** 65n - 1n));
  assert.equal(fromTwosComplement(r.d2), -9_999_999_999n);
});

test('maximum values', () => {
  const r = row(2);
  assert.deepEqual(
    { ...r, d: undefined, d2: undefined, bu: undefined, pt: undefined, pg: undefined, gm: undefined, mp: undefined },
    {
      id: 2, ti: 127, tu: 255, si: 32767, su: 65535, mi: 8388607, mu: 16777215, i: 2147483647,
      iu: 4294967295n, bi: 9223372036854775807n, bu: undefined, d: undefined, d2: undefined,
      f: 16777216, db: 1.7976931348623157e308,
      b1: true, b10: Buffer.from([0xff, 0x03]), b64: Buffer.alloc(8, 0xff),
      ch: '😀😀', vc: '😀 four-byte utf8mb4 🎉', l1: 'café€', l1c: 'Ã©', tx: 'line1\nline2', lt: LONG_TEXT,
      bn: Buffer.from('abcd'), vb: Buffer.from([0x00, 0xff]), bl: ALL_BYTES,
      dt: 2_932_896, dtn: 2_932_896, dtm: 253_402_300_799_999_999n, dtm0: 253_402_300_799_000_000n,
      ts: '2038-01-19T03:14:07.999999Z', tm: 3_020_399_000_000n, tm0: 3_020_399_000_000n, yr: 2155,
      en: 'b,c', st: 'x,y,z', js: JSON_TEXT, pt: undefined, pg: undefined, gm: undefined, mp: undefined,
    },
  );
  assert.equal(fromTwosComplement(r.bu), 18_446_744_073_709_551_615n);
  assert.equal((r.bu as Buffer).toString('hex'), '00ffffffffffffffff');
  assert.equal(fromTwosComplement(r.d), 10n ** 65n - 1n);
  assert.equal(fromTwosComplement(r.d2), 9_999_999_999n);
});

test('spatial columns are Debezium records of the server WKB and the SRID (0 as null), for points, polygons and collections', async () => {
  const geometry = await serverGeometry();
  for (const id of [1, 2]) {
    for (const c of GEOMETRY_COLUMNS) {
      const expected = geometry.get(id)?.[c];
      assert.ok(expected);
      assert.deepEqual(row(id)[c], expected, `row ${id} column ${c}`);
    }
  }
  // POINT(1.5 -2) in SRID 4326 in the stored axis order: as written on MariaDB, which has no
  // axis order; longitude first on MySQL, which reads the text of a geographic SRID latitude first.
  const pt = row(2).pt as { x: number; y: number; wkb: Buffer; srid: number };
  const [x, y, xy] = ON_MYSQL ? [-2, 1.5, '00000000000000c0000000000000f83f'] : [1.5, -2, '000000000000f83f00000000000000c0'];
  assert.deepEqual({ ...pt, wkb: pt.wkb.toString('hex') }, { x, y, wkb: `0101000000${xy}`, srid: 4326 });
  assert.deepEqual(row(1).pt, { x: 0, y: 0, wkb: Buffer.from('010100000000000000000000000000000000000000', 'hex'), srid: null });
});

test('NULLs stay null', () => {
  const r = row(3);
  for (const [name] of EXPECTED_COLUMNS) {
    if (name === 'id') continue;
    const expected = name === 'd2' ? Buffer.from([0]) : name === 'vc' ? '' : name === 'dtn' ? 10_957 : null;
    assert.deepEqual(r[name], expected, name);
  }
});

test('zero and partial dates become null with one warning per column; ENUM 0 is empty; YEAR 0000 is 0', () => {
  const r = row(4);
  assert.deepEqual(
    { dt: r.dt, dtn: r.dtn, dtm: r.dtm, dtm0: r.dtm0, ts: r.ts, tm: r.tm, yr: r.yr, en: r.en, ch: r.ch },
    { dt: null, dtn: null, dtm: null, dtm0: null, ts: null, tm: -1_500_000n, yr: 0, en: '', ch: 'é' },
  );
  const warned = reader.warnings.map((w) => w.split(':', 1)[0]).sort();
  assert.deepEqual(warned, ['dt', 'dtm', 'dtm0', 'dtn', 'ts'].map((c) => `${db}.every_type.${c}`));
});

test('TIMESTAMP is the same instant whatever the writing session or the process time zone', () => {
  assert.equal(new Date(0).getTimezoneOffset() !== 0, true, 'the test runs outside UTC');
  assert.equal(row(5).ts, '2000-01-01T00:00:00.000001Z');
});

// The snapshot's reads must match the binlog's. Through the TEXT protocol (query) the
// server prints FLOAT with 6 significant digits (16777216 comes back as 16777200), so the
// snapshot must use the binary protocol (execute), where FLOAT arrives as its float32.
test('a prepared SELECT through mysql2 with ZONGJI_ROW_OPTIONS decodes to the same rows (snapshot parity)', async () => {
  await admin.query(`SET SESSION time_zone = '+00:00'`);
  const [columns] = await admin.query(INFORMATION_SCHEMA_COLUMNS_QUERY, [db, 'every_type']);
  const types = (columns as InformationSchemaColumn[]).map((c) => columnTypeFromInformationSchema(db, 'every_type', c));
  const schema = rows[0]?.schema;
  assert.ok(schema);
  const decoder = new RowDecoder(schema, types, () => {});
  const [selected] = await admin.execute({
    sql: `SELECT * FROM ${db}.every_type ORDER BY id`,
    // mysql2 parses spatial values like zongji does; the raw value is MySQL's SRID + WKB.
    typeCast: (field, next) => (field.type === 'GEOMETRY' ? field.buffer() : next()),
  });
  const fromSelect = (selected as Record<string, unknown>[]).map((r) => decoder.decode(r));
  assert.deepEqual(fromSelect, [1, 2, 3, 4, 5].map(row));
});
