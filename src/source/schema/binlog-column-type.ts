import { enumMembers } from './enum-members.js';
import type { ColumnSchema } from '@vlasky/zongji';
import { columnType, type ColumnType } from './column-type.js';
import { UnsupportedTypeError } from './unsupported-type-error.js';

/** MySQL binlog column type codes (include/field_types.h, MariaDB additions). */
export const MysqlTypeCode = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  NULL: 6,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  TIMESTAMP2: 17,
  DATETIME2: 18,
  TIME2: 19,
  BLOB_COMPRESSED: 140,
  VARCHAR_COMPRESSED: 141,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const;

const INTEGER_NAMES: Readonly<Record<number, string>> = {
  [MysqlTypeCode.TINY]: 'tinyint',
  [MysqlTypeCode.SHORT]: 'smallint',
  [MysqlTypeCode.INT24]: 'mediumint',
  [MysqlTypeCode.LONG]: 'int',
  [MysqlTypeCode.LONGLONG]: 'bigint',
};

const BLOB_SIZE_PREFIX: Readonly<Record<number, string>> = { 1: 'tiny', 2: '', 3: 'medium', 4: 'long' };

const GEOMETRY_NAMES = new Set([
  'geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon',
  'geometrycollection', 'geomcollection',
]);

/** MariaDB types that ride on BINARY(n) in the binlog but are not plain bytes to a reader. */
const MARIADB_BINARY_LOGICAL = /^(uuid|inet4|inet6|vector)\b/;

export interface BinlogColumnDescription {
  db: string;
  table: string;
  /** Effective type code (zongji has already replaced STRING by ENUM/SET where it applies). */
  code: number;
  metadata: Record<string, unknown> | null | undefined;
  /** zongji's per-column schema: built from FULL metadata, or read from information_schema. */
  schema: ColumnSchema;
}

function num(metadata: Record<string, unknown> | null | undefined, key: string): number {
  const v = metadata?.[key];
  return typeof v === 'number' ? v : 0;
}

/** Fractional digits of a classic (pre-5.6) temporal code, only knowable from COLUMN_TYPE. */
function fspFromColumnType(columnType: string): number {
  const open = columnType.indexOf('(');
  if (open < 0) return 0;
  const digit = columnType.charCodeAt(open + 1) - 48;
  return digit >= 0 && digit <= 6 ? digit : 0;
}

/** The ColumnType of one TableMap column. Throws UnsupportedTypeError for types we cannot carry. */
export function columnTypeFromBinlog(c: BinlogColumnDescription): ColumnType {
  const { code, metadata, schema } = c;
  const declared = (schema.COLUMN_TYPE ?? '').toLowerCase();
  const unsupported = (): never => {
    throw new UnsupportedTypeError(c.db, c.table, schema.COLUMN_NAME, declared || `binlog type code ${code}`);
  };
  // zongji leaves CHARACTER_SET_NAME null for the binary charset (collation 63).
  const charset = schema.CHARACTER_SET_NAME ?? null;

  switch (code) {
    case MysqlTypeCode.TINY:
    case MysqlTypeCode.SHORT:
    case MysqlTypeCode.INT24:
    case MysqlTypeCode.LONG:
    case MysqlTypeCode.LONGLONG: {
      const unsigned = schema.UNSIGNED ?? declared.includes('unsigned');
      return columnType('integer', INTEGER_NAMES[code] ?? 'int', { unsigned });
    }
    case MysqlTypeCode.NEWDECIMAL:
      return columnType('decimal', 'decimal', {
        precision: num(metadata, 'precision'),
        scale: num(metadata, 'decimals'),
      });
    case MysqlTypeCode.FLOAT:
      return columnType('float', 'float');
    case MysqlTypeCode.DOUBLE:
      return columnType('double', 'double');
    case MysqlTypeCode.BIT:
      return columnType('bit', 'bit', { bits: num(metadata, 'bits') });
    case MysqlTypeCode.STRING:
    case MysqlTypeCode.VARCHAR:
    case MysqlTypeCode.VAR_STRING:
    case MysqlTypeCode.VARCHAR_COMPRESSED: {
      if (MARIADB_BINARY_LOGICAL.test(declared)) return unsupported();
      const fixed = code === MysqlTypeCode.STRING;
      if (charset === null) return columnType('binary', fixed ? 'binary' : 'varbinary');
      return columnType('text', fixed ? 'char' : 'varchar', { charset });
    }
    case MysqlTypeCode.TINY_BLOB:
    case MysqlTypeCode.MEDIUM_BLOB:
    case MysqlTypeCode.LONG_BLOB:
    case MysqlTypeCode.BLOB:
    case MysqlTypeCode.BLOB_COMPRESSED: {
      const size = BLOB_SIZE_PREFIX[num(metadata, 'length_size')] ?? '';
      if (charset === null) return columnType('binary', `${size}blob`);
      // On MariaDB a JSON column is LONGTEXT; it is published as the same string either way.
      return columnType('text', `${size}text`, { charset });
    }
    case MysqlTypeCode.JSON:
      return columnType('json', 'json', { charset: 'utf8mb4' });
    case MysqlTypeCode.ENUM:
      return columnType('enum', 'enum', { charset, members: enumMembers(schema.COLUMN_TYPE ?? '') });
    case MysqlTypeCode.SET:
      return columnType('set', 'set', { charset, members: enumMembers(schema.COLUMN_TYPE ?? '') });
    case MysqlTypeCode.DATE:
      return columnType('date', 'date');
    case MysqlTypeCode.DATETIME2:
      return columnType('datetime', 'datetime', { fsp: num(metadata, 'decimals') });
    case MysqlTypeCode.TIMESTAMP2:
      return columnType('timestamp', 'timestamp', { fsp: num(metadata, 'decimals') });
    case MysqlTypeCode.TIME2:
      return columnType('time', 'time', { fsp: num(metadata, 'decimals') });
    case MysqlTypeCode.DATETIME:
      return columnType('datetime', 'datetime', { fsp: fspFromColumnType(declared) });
    case MysqlTypeCode.TIMESTAMP:
      return columnType('timestamp', 'timestamp', { fsp: fspFromColumnType(declared) });
    case MysqlTypeCode.TIME:
      return columnType('time', 'time', { fsp: fspFromColumnType(declared) });
    case MysqlTypeCode.YEAR:
      return columnType('year', 'year');
    case MysqlTypeCode.GEOMETRY: {
      const name = declared.split(' ', 1)[0] ?? '';
      return columnType('geometry', GEOMETRY_NAMES.has(name) ? name : 'geometry');
    }
    default:
      return unsupported();
  }
}
