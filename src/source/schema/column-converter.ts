import { TributaryError } from '../../errors/tributary-error.js';
import { charsetDecoder, latin1FromIso88591 } from './charset-decoder.js';
import type { ColumnType } from './column-type.js';
import { decimalBytes, twosComplementBytes } from './decimal-bytes.js';
import { parseDateDays, parseDateTimeMicros, parseTimeMicros } from './temporal-micros.js';
import { mysqlJsonText } from './mysql-json-text.js';
import { parseZonedTimestamp } from './zoned-timestamp.js';
import { geometryValue, pointValue } from './geometry-value.js';

/** Receives a human-readable warning; injected so the caller decides where it goes. */
export type Warn = (message: string) => void;

/** Converts one non-null value as zongji/mysql2 deliver it to its Avro physical value. */
export type ColumnConverter = (value: unknown) => unknown;

export interface ConverterContext {
  db: string;
  table: string;
  column: string;
  warn: Warn;
}

const OPTIONS_FIX =
  'construct ZongJi (and snapshot connections) with the connection options in ZONGJI_ROW_OPTIONS ' +
  '(src/source/schema/zongji-row-options.ts)';

function describe(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : `Date ${value.toISOString()}`;
  if (Buffer.isBuffer(value)) return `Buffer(${value.length})`;
  if (typeof value === 'object') return `object ${JSON.stringify(value)?.slice(0, 80)}`;
  return `${typeof value} ${String(value).slice(0, 80)}`;
}

function shapeError(ctx: ConverterContext, t: ColumnType, value: unknown, fix: string, cause?: unknown): TributaryError {
  const reason = cause instanceof Error ? `: ${cause.message}` : '';
  return new TributaryError(
    `cannot convert ${describe(value)} of ${t.dataType} column ${ctx.db}.${ctx.table}.${ctx.column}${reason}`,
    { code: 'BINLOG_STREAM', retriable: false, fix, cause },
  );
}

function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * The converter of one column, built once per schema version. Zero and partial dates become
 * null with one warning per column (the column's Avro type is nullable for that reason, see
 * mayHoldZeroDate in column-type.ts).
 */
export function columnConverter(t: ColumnType, ctx: ConverterContext): ColumnConverter {
  const fail = (value: unknown, fix = OPTIONS_FIX, cause?: unknown): never => {
    throw shapeError(ctx, t, value, fix, cause);
  };
  let warned = false;
  const zeroDate = (value: unknown): null => {
    if (!warned) {
      warned = true;
      ctx.warn(
        `${ctx.db}.${ctx.table}.${ctx.column}: zero or partial ${t.dataType} ${describe(value)} published as null ` +
          '(Avro cannot represent it); further ones in this column are not reported',
      );
    }
    return null;
  };
  // A JS Date means zongji ran without dateStrings: only an Invalid Date (a zero date) can
  // be taken as it is; a real Date has lost its microseconds and depends on the process zone.
  const fromDate = (value: Date): null => (Number.isNaN(value.getTime()) ? zeroDate(value) : fail(value));
  const parsing = <T>(parse: (text: string) => T) => (value: unknown): T | null => {
    if (typeof value !== 'string') return value instanceof Date ? fromDate(value) : fail(value);
    let result: T;
    try {
      result = parse(value);
    } catch (err) {
      return fail(value, 'report this value; the server produced text Tributary does not understand', err);
    }
    return result === null ? zeroDate(value) : result;
  };

  switch (t.family) {
    case 'integer':
      if (t.dataType === 'bigint' && t.unsigned) {
        return (v) => twosComplementBytes(typeof v === 'bigint' ? v : BigInt(v as number | string));
      }
      if (t.dataType === 'bigint' || (t.dataType === 'int' && t.unsigned)) {
        return (v) => (typeof v === 'bigint' ? v : BigInt(v as number | string));
      }
      return (v) => (typeof v === 'number' ? v : Number(v));
    case 'decimal': {
      const scale = t.scale;
      return (v) => {
        if (typeof v !== 'string') return fail(v);
        try {
          return decimalBytes(v, scale);
        } catch (err) {
          return fail(v, 'report this value; the server produced text Tributary does not understand', err);
        }
      };
    }
    case 'float':
      // Avro float is float32; rounding here makes the value the one that will be encoded.
      return (v) => Math.fround(typeof v === 'number' ? v : Number(v));
    case 'double':
      return (v) => (typeof v === 'number' ? v : Number(v));
    case 'bit':
      if (t.bits === 1) {
        return (v) => (v instanceof Uint8Array ? v[v.length - 1] === 1 : typeof v === 'boolean' ? v : fail(v));
      }
      // The server sends BIT(n) big-endian; Debezium publishes it little-endian (the byte
      // order of Java's BitSet.toByteArray), and its consumers read it so. A copy, reversed.
      return (v) => (v instanceof Uint8Array ? Buffer.from(v).reverse() : fail(v));
    case 'json':
      // Text from a snapshot SELECT; the binary document from the binlog (TableSchemaCache).
      return (v) => (typeof v === 'string' ? v : v instanceof Uint8Array ? mysqlJsonText(v) : fail(v, OPTIONS_FIX));
    case 'text':
    case 'enum':
    case 'set': {
      const decode = charsetDecoder(t.charset);
      const repair = t.family === 'text' && t.charset === 'latin1';
      return (v) => {
        if (typeof v === 'string') return repair ? latin1FromIso88591(v) : v;
        if (v instanceof Uint8Array && decode !== null) return decode(v);
        return fail(v, v instanceof Uint8Array ? `add a decoder for charset ${t.charset} to charset-decoder.ts` : OPTIONS_FIX);
      };
    }
    case 'binary':
      return (v) => (v instanceof Uint8Array ? asBuffer(v) : fail(v));
    case 'geometry': {
      // MySQL's internal geometry value, a 4-byte little-endian SRID followed by WKB.
      const split = t.dataType === 'point' ? pointValue : geometryValue;
      const unsplit = (v: unknown): never =>
        v instanceof Uint8Array
          ? fail(v, 'report this value with the column definition: it is no SRID + WKB (of one 2D point, in a POINT column)')
          : fail(v, 'pass every tablemap event to TableSchemaCache.fromTableMap as it arrives, before its rows are read');
      return (v) => (v instanceof Uint8Array ? split(asBuffer(v)) : null) ?? unsplit(v);
    }
    case 'date':
      return parsing(parseDateDays);
    case 'datetime':
      return parsing(parseDateTimeMicros);
    case 'timestamp': {
      const fsp = t.fsp;
      return parsing((text) => parseZonedTimestamp(text, fsp));
    }
    case 'time':
      return parsing(parseTimeMicros);
    case 'year':
      // zongji decodes the stored byte as 1900 + n, so the zero year 0000 (n = 0) arrives as
      // 1900, a year YEAR cannot otherwise hold (1901..2155).
      return (v) => {
        const year = typeof v === 'number' ? v : Number(v);
        return year === 1900 ? 0 : year;
      };
  }
}
