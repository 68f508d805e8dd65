import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ColumnSchema } from '@vlasky/zongji';
import { columnTypeFromBinlog, MysqlTypeCode } from '../../../../src/source/schema/binlog-column-type.js';
import { columnSpecOf } from '../../../../src/source/schema/column-type.js';
import {
  columnSpecFromInformationSchema,
  type InformationSchemaColumn,
} from '../../../../src/source/schema/information-schema-column.js';
import { TributaryError } from '../../../../src/errors/tributary-error.js';
import { geometryAvroType } from '../../../../src/source/schema/geometry-value.js';

import { DATE, decimal, INT16, named, TIME, TS, ZONED_TS } from '../../../support/every-type-columns.js';

interface Case {
  /** What zongji gives the binlog path. */
  code: number;
  metadata?: Record<string, unknown>;
  schema: Partial<ColumnSchema> & { COLUMN_TYPE: string };
  /** What information_schema says about the same column. */
  is: Partial<InformationSchemaColumn> & { DATA_TYPE: string; COLUMN_TYPE: string };
  avro: unknown;
  sqlType: string;
}

const T = MysqlTypeCode;
const cases: Case[] = [
  { code: T.TINY, schema: { COLUMN_TYPE: 'tinyint', UNSIGNED: false }, is: { DATA_TYPE: 'tinyint', COLUMN_TYPE: 'tinyint(4)' }, avro: INT16, sqlType: 'tinyint' },
  { code: T.TINY, schema: { COLUMN_TYPE: 'tinyint unsigned', UNSIGNED: true }, is: { DATA_TYPE: 'tinyint', COLUMN_TYPE: 'tinyint(3) unsigned' }, avro: INT16, sqlType: 'tinyint unsigned' },
  { code: T.SHORT, schema: { COLUMN_TYPE: 'smallint', UNSIGNED: false }, is: { DATA_TYPE: 'smallint', COLUMN_TYPE: 'smallint(6)' }, avro: INT16, sqlType: 'smallint' },
  { code: T.BIT, metadata: { bits: 10 }, schema: { COLUMN_TYPE: 'bit(10)' }, is: { DATA_TYPE: 'bit', COLUMN_TYPE: 'bit(10)', NUMERIC_PRECISION: 10 }, avro: named('bytes', 'io.debezium.data.Bits', { length: '10' }), sqlType: 'bit(10)' },
  { code: T.SHORT, schema: { COLUMN_TYPE: 'smallint unsigned', UNSIGNED: true }, is: { DATA_TYPE: 'smallint', COLUMN_TYPE: 'smallint(5) unsigned' }, avro: 'int', sqlType: 'smallint unsigned' },
  { code: T.INT24, schema: { COLUMN_TYPE: 'mediumint unsigned', UNSIGNED: true }, is: { DATA_TYPE: 'mediumint', COLUMN_TYPE: 'mediumint(8) unsigned' }, avro: 'int', sqlType: 'mediumint unsigned' },
  { code: T.LONG, schema: { COLUMN_TYPE: 'int', UNSIGNED: false }, is: { DATA_TYPE: 'int', COLUMN_TYPE: 'int(11)' }, avro: 'int', sqlType: 'int' },
  { code: T.LONG, schema: { COLUMN_TYPE: 'int unsigned', UNSIGNED: true }, is: { DATA_TYPE: 'int', COLUMN_TYPE: 'int(10) unsigned' }, avro: 'long', sqlType: 'int unsigned' },
  { code: T.LONGLONG, schema: { COLUMN_TYPE: 'bigint', UNSIGNED: false }, is: { DATA_TYPE: 'bigint', COLUMN_TYPE: 'bigint(20)' }, avro: 'long', sqlType: 'bigint' },
  { code: T.LONGLONG, schema: { COLUMN_TYPE: 'bigint unsigned', UNSIGNED: true }, is: { DATA_TYPE: 'bigint', COLUMN_TYPE: 'bigint(20) unsigned' }, avro: decimal(20, 0), sqlType: 'bigint unsigned' },
  { code: T.NEWDECIMAL, metadata: { precision: 65, decimals: 30 }, schema: { COLUMN_TYPE: 'decimal(65,30)' }, is: { DATA_TYPE: 'decimal', COLUMN_TYPE: 'decimal(65,30)', NUMERIC_PRECISION: 65, NUMERIC_SCALE: 30 }, avro: decimal(65, 30), sqlType: 'decimal(65,30)' },
  { code: T.NEWDECIMAL, metadata: { precision: 10, decimals: 0 }, schema: { COLUMN_TYPE: 'decimal(10,0) unsigned', UNSIGNED: true }, is: { DATA_TYPE: 'decimal', COLUMN_TYPE: 'decimal(10,0) unsigned', NUMERIC_PRECISION: 10, NUMERIC_SCALE: 0 }, avro: decimal(10, 0), sqlType: 'decimal(10,0)' },
  { code: T.FLOAT, metadata: { size: 4 }, schema: { COLUMN_TYPE: 'float' }, is: { DATA_TYPE: 'float', COLUMN_TYPE: 'float' }, avro: 'float', sqlType: 'float' },
  { code: T.DOUBLE, metadata: { size: 8 }, schema: { COLUMN_TYPE: 'double' }, is: { DATA_TYPE: 'double', COLUMN_TYPE: 'double' }, avro: 'double', sqlType: 'double' },
  { code: T.BIT, metadata: { bits: 1 }, schema: { COLUMN_TYPE: 'bit(1)' }, is: { DATA_TYPE: 'bit', COLUMN_TYPE: 'bit(1)', NUMERIC_PRECISION: 1 }, avro: 'boolean', sqlType: 'bit(1)' },
  { code: T.BIT, metadata: { bits: 64 }, schema: { COLUMN_TYPE: 'bit(64)' }, is: { DATA_TYPE: 'bit', COLUMN_TYPE: 'bit(64)', NUMERIC_PRECISION: 64 }, avro: named('bytes', 'io.debezium.data.Bits', { length: '64' }), sqlType: 'bit(64)' },
  { code: T.VARCHAR, metadata: { max_length: 80 }, schema: { COLUMN_TYPE: 'varchar(20)', CHARACTER_SET_NAME: 'utf8mb4' }, is: { DATA_TYPE: 'varchar', COLUMN_TYPE: 'varchar(20)', CHARACTER_SET_NAME: 'utf8mb4' }, avro: 'string', sqlType: 'varchar' },
  { code: T.STRING, metadata: { max_length: 5 }, schema: { COLUMN_TYPE: 'char(5)', CHARACTER_SET_NAME: 'latin1' }, is: { DATA_TYPE: 'char', COLUMN_TYPE: 'char(5)', CHARACTER_SET_NAME: 'latin1' }, avro: 'string', sqlType: 'char' },
  { code: T.BLOB, metadata: { length_size: 4 }, schema: { COLUMN_TYPE: 'longtext', CHARACTER_SET_NAME: 'utf8mb4' }, is: { DATA_TYPE: 'longtext', COLUMN_TYPE: 'longtext', CHARACTER_SET_NAME: 'utf8mb4' }, avro: 'string', sqlType: 'longtext' },
  { code: T.BLOB, metadata: { length_size: 1 }, schema: { COLUMN_TYPE: 'tinyblob' }, is: { DATA_TYPE: 'tinyblob', COLUMN_TYPE: 'tinyblob' }, avro: 'bytes', sqlType: 'tinyblob' },
  { code: T.STRING, metadata: { max_length: 4 }, schema: { COLUMN_TYPE: 'binary(4)' }, is: { DATA_TYPE: 'binary', COLUMN_TYPE: 'binary(4)' }, avro: 'bytes', sqlType: 'binary' },
  { code: T.VARCHAR, metadata: { max_length: 10 }, schema: { COLUMN_TYPE: 'varbinary(10)' }, is: { DATA_TYPE: 'varbinary', COLUMN_TYPE: 'varbinary(10)' }, avro: 'bytes', sqlType: 'varbinary' },
  { code: T.DATE, schema: { COLUMN_TYPE: 'date' }, is: { DATA_TYPE: 'date', COLUMN_TYPE: 'date' }, avro: DATE, sqlType: 'date' },
  { code: T.DATETIME2, metadata: { decimals: 6 }, schema: { COLUMN_TYPE: 'datetime(6)' }, is: { DATA_TYPE: 'datetime', COLUMN_TYPE: 'datetime(6)', DATETIME_PRECISION: 6 }, avro: TS, sqlType: 'datetime(6)' },
  { code: T.TIMESTAMP2, metadata: { decimals: 3 }, schema: { COLUMN_TYPE: 'timestamp(3)' }, is: { DATA_TYPE: 'timestamp', COLUMN_TYPE: 'timestamp(3)', DATETIME_PRECISION: 3 }, avro: ZONED_TS, sqlType: 'timestamp(3)' },
  { code: T.TIMESTAMP, schema: { COLUMN_TYPE: 'timestamp(4) /* mariadb-5.3 */' }, is: { DATA_TYPE: 'timestamp', COLUMN_TYPE: 'timestamp(4) /* mariadb-5.3 */', DATETIME_PRECISION: 4 }, avro: ZONED_TS, sqlType: 'timestamp(4)' },
  { code: T.TIME2, metadata: { decimals: 0 }, schema: { COLUMN_TYPE: 'time' }, is: { DATA_TYPE: 'time', COLUMN_TYPE: 'time', DATETIME_PRECISION: 0 }, avro: TIME, sqlType: 'time' },
  { code: T.YEAR, schema: { COLUMN_TYPE: 'year', UNSIGNED: true }, is: { DATA_TYPE: 'year', COLUMN_TYPE: 'year(4)' }, avro: named('int', 'io.debezium.time.Year'), sqlType: 'year' },
  { code: T.ENUM, metadata: { size: 1 }, schema: { COLUMN_TYPE: "enum('a','B')", CHARACTER_SET_NAME: 'utf8mb4' }, is: { DATA_TYPE: 'enum', COLUMN_TYPE: "enum('a','B')", CHARACTER_SET_NAME: 'utf8mb4' }, avro: named('string', 'io.debezium.data.Enum', { allowed: 'a,B' }), sqlType: 'enum' },
  { code: T.SET, metadata: { size: 1 }, schema: { COLUMN_TYPE: "set('x','y')", CHARACTER_SET_NAME: 'utf8mb4' }, is: { DATA_TYPE: 'set', COLUMN_TYPE: "set('x','y')", CHARACTER_SET_NAME: 'utf8mb4' }, avro: named('string', 'io.debezium.data.EnumSet', { allowed: 'x,y' }), sqlType: 'set' },
  { code: T.JSON, metadata: { length_size: 4 }, schema: { COLUMN_TYPE: 'json' }, is: { DATA_TYPE: 'json', COLUMN_TYPE: 'json' }, avro: named('string', 'io.debezium.data.Json'), sqlType: 'json' },
  { code: T.GEOMETRY, metadata: { length_size: 4 }, schema: { COLUMN_TYPE: 'point' }, is: { DATA_TYPE: 'point', COLUMN_TYPE: 'point' }, avro: geometryAvroType('point'), sqlType: 'point' },
  { code: T.GEOMETRY, metadata: { length_size: 4 }, schema: { COLUMN_TYPE: 'geometry' }, is: { DATA_TYPE: 'geometry', COLUMN_TYPE: 'geometry' }, avro: geometryAvroType('geometry'), sqlType: 'geometry' },
];

function schemaOf(partial: Case['schema']): ColumnSchema {
  return { COLUMN_NAME: 'c', COLLATION_NAME: null, CHARACTER_SET_NAME: null, COLUMN_COMMENT: '', ...partial };
}

function isRow(partial: Case['is'], nullable: boolean): InformationSchemaColumn {
  return {
    COLUMN_NAME: 'c',
    IS_NULLABLE: nullable ? 'YES' : 'NO',
    NUMERIC_PRECISION: null,
    NUMERIC_SCALE: null,
    DATETIME_PRECISION: null,
    CHARACTER_SET_NAME: null,
    ...partial,
  };
}

test('binlog and information_schema paths give the same ColumnSpec for every type', () => {
  for (const c of cases) {
    for (const nullable of [false, true]) {
      const fromBinlog = columnSpecOf(
        'c',
        columnTypeFromBinlog({ db: 'd', table: 't', code: c.code, metadata: c.metadata, schema: schemaOf(c.schema) }),
        nullable,
      );
      const fromIs = columnSpecFromInformationSchema('d', 't', isRow(c.is, nullable));
      assert.deepEqual(fromBinlog.avro, c.avro, `binlog avro of ${c.schema.COLUMN_TYPE}`);
      assert.equal(fromBinlog.sqlType, c.sqlType, `sqlType of ${c.schema.COLUMN_TYPE}`);
      assert.deepEqual(fromIs, fromBinlog, `information_schema spec of ${c.is.COLUMN_TYPE}`);
    }
  }
});

test('DATE, DATETIME and TIMESTAMP are nullable even when NOT NULL; other types follow the table', () => {
  for (const c of cases) {
    const spec = columnSpecFromInformationSchema('d', 't', isRow(c.is, false));
    const temporal = ['date', 'datetime', 'timestamp'].includes(c.is.DATA_TYPE);
    assert.equal(spec.nullable, temporal, `${c.is.COLUMN_TYPE}`);
  }
});

test('unsupported types throw SCHEMA_UNSUPPORTED_TYPE naming db.table.column and the type', () => {
  const fromBinlog = () =>
    columnTypeFromBinlog({ db: 'shop', table: 'orders', code: T.DECIMAL, metadata: null, schema: schemaOf({ COLUMN_NAME: 'old', COLUMN_TYPE: '' }) });
  assert.throws(fromBinlog, (err: unknown) => {
    assert.ok(err instanceof TributaryError);
    assert.equal(err.code, 'SCHEMA_UNSUPPORTED_TYPE');
    assert.match(err.message, /shop\.orders\.old has type binlog type code 0/);
    assert.ok(err.fix && err.fix.length > 0);
    return true;
  });
  const uuid = () =>
    columnSpecFromInformationSchema('shop', 'orders', isRow({ COLUMN_NAME: 'id', DATA_TYPE: 'uuid', COLUMN_TYPE: 'uuid' }, false));
  assert.throws(uuid, (err: unknown) => err instanceof TributaryError && err.code === 'SCHEMA_UNSUPPORTED_TYPE' && /shop\.orders\.id has type uuid/.test(err.message));
  const inet = () =>
    columnTypeFromBinlog({ db: 'shop', table: 'orders', code: T.STRING, metadata: { max_length: 16 }, schema: schemaOf({ COLUMN_NAME: 'ip', COLUMN_TYPE: 'inet6' }) });
  assert.throws(inet, /shop\.orders\.ip has type inet6/);
});

test('the Connect attributes are the ones Debezium publishes (spelled out, not via the test helpers)', () => {
  const spec = (code: number, columnType: string, metadata?: Record<string, unknown>) =>
    columnSpecOf('c', columnTypeFromBinlog({ db: 'd', table: 't', code, metadata, schema: schemaOf({ COLUMN_TYPE: columnType, CHARACTER_SET_NAME: 'utf8mb4' }) }), false).avro;
  assert.deepEqual(spec(T.NEWDECIMAL, 'decimal(10,2)', { precision: 10, decimals: 2 }), {
    type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2, 'connect.version': 1,
    'connect.parameters': { scale: '2', 'connect.decimal.precision': '10' }, 'connect.name': 'org.apache.kafka.connect.data.Decimal',
  });
  assert.deepEqual(spec(T.ENUM, "enum('it''s','A,b','')", { size: 1 }), {
    type: 'string', 'connect.version': 1, 'connect.parameters': { allowed: "it's,A,b," }, 'connect.name': 'io.debezium.data.Enum',
  });
  assert.deepEqual(spec(T.BIT, 'bit(10)', { bits: 10 }), {
    type: 'bytes', 'connect.version': 1, 'connect.parameters': { length: '10' }, 'connect.name': 'io.debezium.data.Bits',
  });
  assert.deepEqual(spec(T.DATE, 'date'), { type: 'int', logicalType: 'date', 'connect.version': 1, 'connect.name': 'org.apache.kafka.connect.data.Date' });
  assert.deepEqual(spec(T.DATETIME2, 'datetime(6)', { decimals: 6 }), {
    type: 'long', logicalType: 'timestamp-micros', 'connect.version': 1, 'connect.name': 'io.debezium.time.MicroTimestamp',
  });
  assert.deepEqual(spec(T.TIME2, 'time(6)', { decimals: 6 }), { type: 'long', 'connect.version': 1, 'connect.name': 'io.debezium.time.MicroTime' });
  assert.deepEqual(spec(T.YEAR, 'year'), { type: 'int', 'connect.version': 1, 'connect.name': 'io.debezium.time.Year' });
  assert.deepEqual(spec(T.TINY, 'tinyint'), { type: 'int', 'connect.type': 'int16' });
  assert.equal(spec(T.INT24, 'mediumint'), 'int');
});
