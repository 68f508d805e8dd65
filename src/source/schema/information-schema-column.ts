import { enumMembers } from './enum-members.js';
import type { ColumnSpec } from '../../model/table-schema.js';
import { columnSpecOf, columnType, isIntegerDataType, type ColumnType } from './column-type.js';
import { UnsupportedTypeError } from './unsupported-type-error.js';

/** One row of `SELECT ... FROM information_schema.COLUMNS` (column names as MySQL returns them). */
export interface InformationSchemaColumn {
  COLUMN_NAME: string;
  DATA_TYPE: string;
  COLUMN_TYPE: string;
  IS_NULLABLE: string;
  NUMERIC_PRECISION: number | string | bigint | null;
  NUMERIC_SCALE: number | string | bigint | null;
  DATETIME_PRECISION: number | string | bigint | null;
  CHARACTER_SET_NAME: string | null;
}

/** The query whose rows this module maps, in table order. Parameters: schema, table. */
export const INFORMATION_SCHEMA_COLUMNS_QUERY =
  'SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, NUMERIC_PRECISION, NUMERIC_SCALE, ' +
  'DATETIME_PRECISION, CHARACTER_SET_NAME FROM information_schema.COLUMNS ' +
  'WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION';

const TEXT_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext']);
const BINARY_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
const GEOMETRY_TYPES = new Set([
  'geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon',
  'geometrycollection', 'geomcollection',
]);

function int(v: number | string | bigint | null): number {
  return v === null ? 0 : Number(v);
}

/** The ColumnType of an information_schema.COLUMNS row; throws UnsupportedTypeError. */
export function columnTypeFromInformationSchema(db: string, table: string, c: InformationSchemaColumn): ColumnType {
  const dataType = c.DATA_TYPE.toLowerCase();
  const declared = c.COLUMN_TYPE.toLowerCase();
  const charset = c.CHARACTER_SET_NAME ?? null;
  if (isIntegerDataType(dataType)) {
    return columnType('integer', dataType, { unsigned: declared.includes('unsigned') });
  }
  if (TEXT_TYPES.has(dataType)) {
    // A CHAR/VARCHAR/TEXT in the binary charset is stored and binlogged as BINARY/BLOB.
    if (charset === null || charset === 'binary') return columnType('binary', dataType);
    return columnType('text', dataType, { charset });
  }
  if (BINARY_TYPES.has(dataType)) return columnType('binary', dataType);
  if (GEOMETRY_TYPES.has(dataType)) return columnType('geometry', dataType);
  switch (dataType) {
    case 'decimal':
    case 'numeric':
      return columnType('decimal', 'decimal', { precision: int(c.NUMERIC_PRECISION), scale: int(c.NUMERIC_SCALE) });
    case 'float':
      return columnType('float', 'float');
    case 'double':
    case 'real':
      return columnType('double', 'double');
    case 'bit':
      return columnType('bit', 'bit', { bits: int(c.NUMERIC_PRECISION) });
    case 'enum':
      return columnType('enum', 'enum', { charset, members: enumMembers(c.COLUMN_TYPE) });
    case 'set':
      return columnType('set', 'set', { charset, members: enumMembers(c.COLUMN_TYPE) });
    case 'json':
      return columnType('json', 'json', { charset: 'utf8mb4' });
    case 'date':
      return columnType('date', 'date');
    case 'datetime':
    case 'timestamp':
    case 'time':
      return columnType(dataType, dataType, { fsp: int(c.DATETIME_PRECISION) });
    case 'year':
      return columnType('year', 'year');
    default:
      throw new UnsupportedTypeError(db, table, c.COLUMN_NAME, declared || dataType);
  }
}

/**
 * The ColumnSpec that the binlog path (TableSchemaCache) gives the same column: the type
 * decision itself lives in column-type.ts and is shared.
 */
export function columnSpecFromInformationSchema(db: string, table: string, c: InformationSchemaColumn): ColumnSpec {
  return columnSpecOf(c.COLUMN_NAME, columnTypeFromInformationSchema(db, table, c), c.IS_NULLABLE === 'YES');
}
