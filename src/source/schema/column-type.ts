import type { AvroType, ColumnSpec } from '../../model/table-schema.js';
import { geometryAvroType } from './geometry-value.js';

/**
 * How a column's values are represented, independent of where the column was described
 * (a binlog TableMap or information_schema). Both description paths produce this, and
 * `avroTypeOf` / `columnSpecOf` below are the ONE place that turns it into an Avro type,
 * so a snapshot and the binlog publish identical schemas.
 */
export type ColumnFamily =
  | 'integer'
  | 'decimal'
  | 'float'
  | 'double'
  | 'bit'
  | 'text'
  | 'enum'
  | 'set'
  | 'json'
  | 'binary'
  | 'date'
  | 'datetime'
  | 'timestamp'
  | 'time'
  | 'year'
  | 'geometry';

export interface ColumnType {
  family: ColumnFamily;
  /** MySQL's DATA_TYPE spelling, lower case: `int`, `mediumtext`, `point`, `varbinary`... */
  dataType: string;
  /** Integers only. */
  unsigned: boolean;
  /** DECIMAL precision and scale. */
  precision: number;
  scale: number;
  /** Fractional-second digits of DATETIME, TIMESTAMP and TIME (0-6). */
  fsp: number;
  /** BIT width. */
  bits: number;
  /** Character set of text, enum and set columns (MySQL spelling), null for the rest. */
  charset: string | null;
  /** ENUM and SET members in definition order; empty for the rest. */
  members: readonly string[];
}

export function columnType(family: ColumnFamily, dataType: string, details: Partial<ColumnType> = {}): ColumnType {
  return {
    family,
    dataType,
    unsigned: details.unsigned ?? false,
    precision: details.precision ?? 0,
    scale: details.scale ?? 0,
    fsp: details.fsp ?? 0,
    bits: details.bits ?? 0,
    charset: details.charset ?? null,
    members: details.members ?? [],
  };
}

/** MySQL integer types by DATA_TYPE, with whether the unsigned range still fits an Avro int. */
const UNSIGNED_FITS_INT: Readonly<Record<string, boolean>> = {
  tinyint: true,
  smallint: true,
  mediumint: true,
  int: false,
  bigint: false,
};

export function isIntegerDataType(dataType: string): boolean {
  return dataType in UNSIGNED_FITS_INT;
}

/** A Connect decimal: the standard Avro `decimal` plus the attributes Connect's AvroData writes. */
function decimal(precision: number, scale: number): AvroType {
  return {
    type: 'bytes',
    logicalType: 'decimal',
    precision,
    scale,
    'connect.version': 1,
    'connect.parameters': { scale: String(scale), 'connect.decimal.precision': String(precision) },
    'connect.name': 'org.apache.kafka.connect.data.Decimal',
  };
}

/** A Debezium semantic type on a plain Avro type (no Avro logical type). */
function semantic(type: string, name: string, parameters?: Record<string, string>): AvroType {
  return parameters === undefined
    ? { type, 'connect.version': 1, 'connect.name': name }
    : { type, 'connect.version': 1, 'connect.parameters': parameters, 'connect.name': name };
}

/**
 * The non-null Avro type of a column: the Avro that Debezium's MySQL connector publishes
 * through Connect's AvroData (its `connect.*` attributes name the semantic type that
 * Debezium's consumers dispatch on), with standard Avro logical types where the values'
 * range fits their meaning. docs/type-mapping.md gives the reasons per type.
 */
export function avroTypeOf(t: ColumnType): AvroType {
  switch (t.family) {
    case 'integer':
      // BIGINT UNSIGNED reaches 18446744073709551615, beyond Avro long; a decimal keeps it
      // exact (Debezium's bigint.unsigned.handling.mode=precise).
      if (t.dataType === 'bigint') return t.unsigned ? decimal(20, 0) : 'long';
      if (t.dataType === 'int') return t.unsigned ? 'long' : 'int';
      // Debezium gives TINYINT, SMALLINT and TINYINT UNSIGNED Connect's int16, which
      // AvroData writes as an int marked `connect.type`; sinks then create SMALLINT columns.
      if (t.dataType === 'tinyint' || (t.dataType === 'smallint' && !t.unsigned)) return { type: 'int', 'connect.type': 'int16' };
      return 'int';
    case 'decimal':
      return decimal(t.precision, t.scale);
    case 'float':
      return 'float';
    case 'double':
      return 'double';
    case 'bit':
      return t.bits === 1 ? 'boolean' : semantic('bytes', 'io.debezium.data.Bits', { length: String(t.bits) });
    case 'text':
      return 'string';
    case 'enum':
      return semantic('string', 'io.debezium.data.Enum', { allowed: t.members.join(',') });
    case 'set':
      return semantic('string', 'io.debezium.data.EnumSet', { allowed: t.members.join(',') });
    case 'json':
      return semantic('string', 'io.debezium.data.Json');
    case 'binary':
      return 'bytes';
    case 'geometry':
      return geometryAvroType(t.dataType);
    case 'date':
      // Connect's AvroData turns `logicalType: date` into Connect's Date and then rejects any
      // other `connect.name` ("Mismatched names"), so Debezium's own io.debezium.time.Date
      // cannot sit beside the standard date type; Connect's Date (Debezium's
      // time.precision.mode=connect) is the same int of days and keeps it.
      return { type: 'int', logicalType: 'date', 'connect.version': 1, 'connect.name': 'org.apache.kafka.connect.data.Date' };
    case 'datetime':
      // AvroData leaves `timestamp-micros` alone, so it can carry Debezium's MicroTimestamp.
      return { type: 'long', logicalType: 'timestamp-micros', 'connect.version': 1, 'connect.name': 'io.debezium.time.MicroTimestamp' };
    case 'timestamp':
      // An instant, published as Debezium does: ISO-8601 UTC text. Debezium's consumers (its
      // JDBC sink above all) dispatch on this name and would take a long for a local date-time.
      return semantic('string', 'io.debezium.time.ZonedTimestamp');
    case 'time':
      // A duration (-838:59:59 to 838:59:59), not a time of day: `time-micros` readers
      // (Java, fastavro, Python avro) reject values outside 0..24 h and lose the record.
      // Debezium publishes TIME the same way.
      return semantic('long', 'io.debezium.time.MicroTime');
    case 'year':
      return semantic('int', 'io.debezium.time.Year');
  }
}

/**
 * DATE, DATETIME and TIMESTAMP columns are always published as nullable, whatever their
 * NOT NULL: MySQL stores zero and partial dates ('0000-00-00', '2020-00-15') in them
 * whenever sql_mode allows, and neither Avro's date/timestamp types nor an ISO instant can
 * hold those, so they become null (Debezium does the same for TIMESTAMP). Deciding this per column type (not per value seen) keeps the Avro schema
 * stable: it does not change the first time a zero date shows up, and the snapshot and
 * binlog paths agree without having seen any data.
 */
export function mayHoldZeroDate(t: ColumnType): boolean {
  return t.family === 'date' || t.family === 'datetime' || t.family === 'timestamp';
}

/** The type as MySQL spells it, normalized so both description paths print the same. */
export function sqlTypeOf(t: ColumnType): string {
  switch (t.family) {
    case 'integer':
      return t.unsigned ? `${t.dataType} unsigned` : t.dataType;
    case 'decimal':
      return `decimal(${t.precision},${t.scale})`;
    case 'bit':
      return `bit(${t.bits})`;
    case 'datetime':
    case 'timestamp':
    case 'time':
      return t.fsp > 0 ? `${t.dataType}(${t.fsp})` : t.dataType;
    default:
      return t.dataType;
  }
}

/** The published ColumnSpec of a column; `sqlNullable` is what the table definition says. */
export function columnSpecOf(name: string, t: ColumnType, sqlNullable: boolean): ColumnSpec {
  return {
    name,
    sqlType: sqlTypeOf(t),
    nullable: sqlNullable || mayHoldZeroDate(t),
    avro: avroTypeOf(t),
  };
}
