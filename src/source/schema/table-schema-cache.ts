import type { ColumnSchema, TableMapEntry, TableMapEvent } from '@vlasky/zongji';
import { TributaryError } from '../../errors/tributary-error.js';
import type { ColumnSpec, TableSchema } from '../../model/table-schema.js';
import { columnTypeFromBinlog, MysqlTypeCode } from './binlog-column-type.js';
import type { Warn } from './column-converter.js';
import { columnSpecOf, type ColumnType } from './column-type.js';
import type { ColumnPolicy } from '../../route/column-policy.js';
import { RowDecoder } from './row-decoder.js';
import { tableMapNullBitmap, tableMapNullability } from './table-map-nullability.js';

/** Per-column metadata keys zongji reads from a TableMap; any change means a new layout. */
const METADATA_KEYS = ['precision', 'decimals', 'bits', 'length_size', 'max_length', 'size'] as const;

/** What a table's layout was made of, kept to recognise the same layout cheaply. */
interface Version {
  schema: TableSchema;
  decoder: RowDecoder;
  codes: number[];
  columnSchemas: ColumnSchema[];
  metadata: (Record<string, unknown> | null | undefined)[];
  nullBitmap: Buffer;
  primaryKey: number[];
  geometryColumns: number[];
  latin1Columns: number[];
  /** MySQL JSON columns, read as BLOB so the binary document reaches the converter. */
  jsonColumns: number[];
}

function effectiveCode(event: TableMapEvent, i: number): number {
  // Until zongji's updateColumnInfo runs, ENUM/SET hide behind STRING with the real code in metadata.
  const realType = event.columnsMetadata[i]?.type;
  return typeof realType === 'number' ? realType : (event.columnTypes[i] as number);
}

function sameMetadata(a: Record<string, unknown> | null | undefined, b: Record<string, unknown> | null | undefined) {
  for (const key of METADATA_KEYS) if (a?.[key] !== b?.[key]) return false;
  return true;
}

function sameLayout(v: Version, event: TableMapEvent, entry: TableMapEntry, nullBitmap: Buffer): boolean {
  const n = event.columnCount;
  if (v.codes.length !== n || !v.nullBitmap.equals(nullBitmap)) return false;
  const pk = event.primaryKey ?? [];
  if (pk.length !== v.primaryKey.length || pk.some((c, i) => c !== v.primaryKey[i])) return false;
  for (let i = 0; i < n; i++) {
    const now = entry.columnSchemas[i] as ColumnSchema;
    const then = v.columnSchemas[i] as ColumnSchema;
    if (
      effectiveCode(event, i) !== v.codes[i] ||
      now.COLUMN_NAME !== then.COLUMN_NAME ||
      now.COLUMN_TYPE !== then.COLUMN_TYPE ||
      now.CHARACTER_SET_NAME !== then.CHARACTER_SET_NAME ||
      now.UNSIGNED !== then.UNSIGNED ||
      !sameMetadata(event.columnsMetadata[i], v.metadata[i])
    ) {
      return false;
    }
  }
  return true;
}

/**
 * The current TableSchema of every table the binlog mentions, built from its TableMap
 * events (binlog_row_metadata=FULL). While a table's layout (names, types, nullability,
 * charsets, primary key) stays the same, `fromTableMap` returns the SAME TableSchema object;
 * after an ALTER it returns a new one, so callers can tell versions apart by identity.
 *
 * Call `fromTableMap` synchronously from the ZongJi 'binlog' listener for every tablemap
 * event, before the rows that follow are read: it also points zongji at the raw bytes of
 * spatial columns (see below), which must happen before those rows are parsed.
 */
export class TableSchemaCache {
  private readonly versions = new Map<string, Version>();
  private readonly decoders = new WeakMap<TableSchema, RowDecoder>();

  /** `warn` receives data warnings such as zero dates turned into null (once per column). */
  /** `columns` drops and masks columns ([[columns]]); the schemas returned are the published ones. */
  constructor(
    private readonly warn: Warn,
    private readonly columns: ColumnPolicy | null = null,
  ) {}

  fromTableMap(event: TableMapEvent): TableSchema {
    const db = event.schemaName;
    const table = event.tableName;
    const entry = event.tableMap[event.tableId];
    if (!entry?.columns || entry.columnSchemas.length !== event.columnCount) {
      throw new TributaryError(`zongji has no column metadata for ${db}.${table} (table id ${event.tableId})`, {
        code: 'BINLOG_STREAM',
        retriable: true,
        fix: 'restart the pipeline; if it recurs, report it with the table definition',
      });
    }
    if (!event.columnNames) {
      throw new TributaryError(`the binlog table map of ${db}.${table} has no column names`, {
        code: 'MYSQL_SERVER_SETTING',
        retriable: false,
        fix: "run SET GLOBAL binlog_row_metadata = 'FULL' on the source server (and set it in its config file)",
      });
    }
    const key = `${db}\u0000${table}`;
    const nullBitmap = tableMapNullBitmap(event);
    let version = this.versions.get(key);
    if (!version || !nullBitmap || !sameLayout(version, event, entry, nullBitmap)) {
      version = this.build(event, entry);
      this.versions.set(key, version);
    }
    // zongji parses spatial values into {x, y} objects, dropping the SRID and the
    // distinction between e.g. MULTIPOINT and LINESTRING. GEOMETRY and BLOB share their
    // row encoding (a length prefix of metadata.length_size bytes), so reading these
    // columns as BLOB (with no charset) hands over the server's exact bytes instead.
    const columns = entry.columns;
    for (const i of version.geometryColumns) {
      const column = columns[i];
      if (column) column.type = MysqlTypeCode.BLOB;
    }
    // zongji prints binary JSON its own way (doubles as JavaScript does, a DECIMAL inside
    // JSON as a string); JSON and BLOB share their row encoding too, so these columns reach
    // the converter as the binary document, which mysqlJsonText prints as MySQL does.
    for (const i of version.jsonColumns) {
      const column = columns[i];
      if (column) {
        column.type = MysqlTypeCode.BLOB;
        column.charset = null;
      }
    }
    // zongji decodes latin1 as iconv's cp1252, which turns the five bytes cp1252 leaves
    // undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) into U+FFFD. Decoded byte for byte instead,
    // nothing is lost; the column's converter then applies MySQL's latin1 table.
    for (const i of version.latin1Columns) {
      const column = columns[i];
      if (column) column.charset = 'iso88591';
    }
    return version.schema;
  }

  /** The RowDecoder of a schema version that this cache returned. */
  decoderFor(schema: TableSchema): RowDecoder {
    const decoder = this.decoders.get(schema);
    if (!decoder) {
      throw new TributaryError(`TableSchema ${schema.db}.${schema.table} was not made by this TableSchemaCache`, {
        code: 'PIPELINE',
        fix: 'ask the TableSchemaCache that returned the schema for its decoder',
      });
    }
    return decoder;
  }

  /** The newest schema seen for a table, if any. */
  get(db: string, table: string): TableSchema | undefined {
    return this.versions.get(`${db}\u0000${table}`)?.schema;
  }

  /** Forgets a table that was dropped or renamed away: one made later under its name is a new version even if it looks the same. */
  forget(db: string, table: string): void {
    this.versions.delete(`${db}\u0000${table}`);
  }

  private build(event: TableMapEvent, entry: TableMapEntry): Version {
    const db = event.schemaName;
    const table = event.tableName;
    const nullable = tableMapNullability(event);
    const codes: number[] = [];
    const types: ColumnType[] = [];
    const columns: ColumnSpec[] = [];
    const geometryColumns: number[] = [];
    const latin1Columns: number[] = [];
    const jsonColumns: number[] = [];
    for (let i = 0; i < event.columnCount; i++) {
      const code = effectiveCode(event, i);
      const schema = entry.columnSchemas[i] as ColumnSchema;
      const type = columnTypeFromBinlog({ db, table, code, metadata: event.columnsMetadata[i], schema });
      codes.push(code);
      types.push(type);
      columns.push(Object.freeze(columnSpecOf(schema.COLUMN_NAME, type, nullable[i] === true)));
      if (type.family === 'geometry') geometryColumns.push(i);
      if (code === MysqlTypeCode.JSON) jsonColumns.push(i);
      if (type.family === 'text' && type.charset === 'latin1') latin1Columns.push(i);
    }
    const primaryKey = [...(event.primaryKey ?? [])];
    const described: TableSchema = Object.freeze({
      db,
      table,
      columns: Object.freeze(columns),
      primaryKey: Object.freeze(primaryKey.map((i) => columns[i]?.name ?? `#${i}`)),
    });
    const decoder = new RowDecoder(described, types, this.warn, this.columns?.forTable(db, table) ?? null);
    const schema = decoder.schema;
    this.decoders.set(schema, decoder);
    return {
      schema,
      decoder,
      codes,
      columnSchemas: entry.columnSchemas.map((c) => ({ ...c })),
      metadata: event.columnsMetadata.map((m) => (m ? { ...m } : m)),
      nullBitmap: Buffer.from(tableMapNullBitmap(event) as Buffer),
      primaryKey,
      geometryColumns,
      latin1Columns,
      jsonColumns,
    };
  }
}
