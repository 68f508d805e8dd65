import mysql from 'mysql2/promise';
import { TributaryError } from '../../errors/tributary-error.js';
import type { Row } from '../../model/change-event.js';
import type { ColumnSpec, TableSchema } from '../../model/table-schema.js';
import type { ColumnPolicy } from '../../route/column-policy.js';
import type { TableFilter } from '../../route/table-filter.js';
import type { MysqlEndpoint } from '../binlog/server-check.js';
import { mysqlError } from '../mysql-error.js';
import { columnSpecOf, type ColumnType } from '../schema/column-type.js';
import {
  columnTypeFromInformationSchema,
  INFORMATION_SCHEMA_COLUMNS_QUERY,
  type InformationSchemaColumn,
} from '../schema/information-schema-column.js';
import { RowDecoder } from '../schema/row-decoder.js';
import { ZONGJI_ROW_OPTIONS } from '../schema/zongji-row-options.js';
import { keysOf, type IndexPart } from './chunk-key.js';
import { ChunkQuery } from './chunk-query.js';
import { quoteName } from '../quote-name.js';
import { checkCursor, rowKey, type KeyCursor } from './key-cursor.js';
import type { SnapshotTable } from './snapshot-table.js';
import { mysqlConnectionOptions } from '../mysql-connection-options.js';

export { rowKey, type KeyCursor } from './key-cursor.js';
export type { SnapshotTable } from './snapshot-table.js';

export interface ChunkReaderOptions {
  /** Receives data warnings, such as zero dates published as null (once per column). */
  warn: (message: string) => void;
  /** Drops and masks columns ([[columns]]), as the binlog path does. */
  columns?: ColumnPolicy | null;
}

export interface Chunk {
  rows: Row[];
  /** rowKey(row, t.chunkKey) of each row. */
  keys: string[];
  /** The cursor after the last row; null when the chunk is empty. */
  last: KeyCursor | null;
  /** Whether a row follows the chunk's last: read as one row past the limit, never decoded. */
  more: boolean;
}

const TABLES_QUERY =
  "SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE'";
const TABLE_QUERY =
  'SELECT TABLE_TYPE AS type, TABLE_ROWS AS estimate FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?';
const PRI_COLUMNS_QUERY =
  "SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_KEY = 'PRI'";

/**
 * mysql2 parses spatial values into objects, losing the SRID and the exact type; the raw
 * value (SRID + WKB) is what RowDecoder reads, as from the binlog.
 */
const rawGeometry: mysql.TypeCast = (field, next) => (field.type === 'GEOMETRY' ? field.buffer() : next());
const SPATIAL = /^(geometry|point|linestring|polygon|multipoint|multilinestring|multipolygon|geometrycollection)$/;

/**
 * A typeCast makes mysql2 build a wrapper object per field of every row (a fifth of the
 * snapshot's CPU in a profile), so it is only set for tables that have spatial columns.
 */
function typeCastFor(t: SnapshotTable): mysql.TypeCast | undefined {
  return t.schema.columns.some((c) => SPATIAL.test(c.sqlType)) ? rawGeometry : undefined;
}

/**
 * Reads tables for the snapshot: describes them from information_schema (with the same
 * schema the binlog path builds) and reads them in chunk-key order, one autocommit
 * statement per chunk, so no transaction stays open between chunks.
 *
 * Rows are read over the binary protocol (a prepared statement): the text protocol prints
 * FLOAT with fewer digits than it stores. The session runs in UTC so TIMESTAMPs arrive as
 * the binlog path formats them.
 */
export class ChunkReader {
  private readonly where: string;
  private conn: Promise<mysql.Connection> | null = null;
  private closed = false;
  private readonly queries = new WeakMap<SnapshotTable, ChunkQuery>();

  constructor(
    private readonly endpoint: MysqlEndpoint,
    private readonly options: ChunkReaderOptions,
  ) {
    this.where = `${endpoint.host}:${endpoint.port}`;
  }

  /** Base tables (not views) that the filter includes, sorted by db, then table. */
  async listTables(filter: TableFilter): Promise<{ db: string; table: string }[]> {
    return (await this.listBaseTables('list the tables to snapshot')).filter((t) => filter.includes(t.db, t.table));
  }

  /** Every base table the [source] user can see, system schemas too, sorted by db, then table. */
  async listBaseTables(doing = 'list the tables'): Promise<{ db: string; table: string }[]> {
    const rows = await this.run(doing, async (conn) => {
      const [result] = await conn.query<mysql.RowDataPacket[]>(TABLES_QUERY);
      return result;
    });
    const tables = rows.map((r) => ({ db: String(r.db), table: String(r.tbl) }));
    // Code-unit order, not information_schema's case-insensitive collation: deterministic.
    return tables.sort((a, b) => compare(a.db, b.db) || compare(a.table, b.table));
  }

  /** Describes a table; SCHEMA_UNKNOWN_TABLE when it does not exist (or is a view). */
  async describe(db: string, table: string): Promise<SnapshotTable> {
    const { tableRow, columns, pri, indexParts } = await this.run(`describe ${db}.${table}`, async (conn) => {
      const [tables] = await conn.query<mysql.RowDataPacket[]>(TABLE_QUERY, [db, table]);
      const tableRow = tables[0];
      if (!tableRow) return { tableRow };
      const [columns] = await conn.query<mysql.RowDataPacket[]>(INFORMATION_SCHEMA_COLUMNS_QUERY, [db, table]);
      const [pri] = await conn.query<mysql.RowDataPacket[]>(PRI_COLUMNS_QUERY, [db, table]);
      const [indexParts] = await conn.query<mysql.RowDataPacket[]>(`SHOW INDEX FROM ${quoteName(db)}.${quoteName(table)}`);
      return { tableRow, columns, pri, indexParts };
    });
    if (!tableRow || !columns || !pri || !indexParts || columns.length === 0) {
      throw new TributaryError(`table ${db}.${table} does not exist on ${this.where}`, {
        code: 'SCHEMA_UNKNOWN_TABLE',
        fix: `check the spelling of ${db}.${table} (names are case-sensitive) and that the [source] user may see it, or remove it from the tables to snapshot`,
      });
    }
    if (String(tableRow.type) !== 'BASE TABLE') {
      throw new TributaryError(`${db}.${table} is a ${String(tableRow.type).toLowerCase()}, not a table`, {
        code: 'SCHEMA_UNKNOWN_TABLE',
        fix: `exclude ${db}.${table} from the pipeline's tables: only base tables have binlog changes to publish`,
      });
    }
    const types: ColumnType[] = [];
    const specs: ColumnSpec[] = [];
    for (const c of columns as InformationSchemaColumn[]) {
      const type = columnTypeFromInformationSchema(db, table, c);
      types.push(type);
      specs.push(Object.freeze(columnSpecOf(c.COLUMN_NAME, type, c.IS_NULLABLE === 'YES')));
    }
    const keys = keysOf(indexParts as IndexPart[], new Set(pri.map((r) => String(r.name))));
    const described: TableSchema = Object.freeze({
      db,
      table,
      columns: Object.freeze(specs),
      primaryKey: Object.freeze(keys.primaryKey),
    });
    const typeOf = (name: string) => types[specs.findIndex((s) => s.name === name)] as ColumnType;
    const decoder = new RowDecoder(described, types, this.options.warn, this.options.columns?.forTable(db, table) ?? null);
    const dropped = keys.chunkKey.filter((k) => !decoder.schema.columns.some((c) => c.name === k));
    if (dropped.length > 0) {
      throw new TributaryError(`${db}.${table} is read in chunks by ${keys.chunkKey.join(', ')}, but [[columns]] excludes ${dropped.join(', ')}`, {
        code: 'CONFIG_INVALID',
        fix: `keep ${dropped.join(', ')} published (or hash it), or give the table a primary key`,
      });
    }
    return {
      db,
      table,
      schema: decoder.schema,
      decoder,
      chunkKey: Object.freeze(keys.chunkKey),
      chunkKeyTypes: Object.freeze(keys.chunkKey.map(typeOf)),
      estimatedRows: Number(tableRow.estimate ?? 0),
    };
  }

  /**
   * Up to `limit` rows after `after` (from the start when null) in chunk-key order: keyset
   * pagination, never OFFSET, so each chunk costs an index range scan however far in. One
   * row more is asked for, so whether the table ends here costs no second query.
   */
  async readChunk(t: SnapshotTable, after: KeyCursor | null, limit: number): Promise<Chunk> {
    if (t.chunkKey.length === 0) {
      throw new TributaryError(`${t.db}.${t.table} has no primary key or unique NOT NULL index to read it in chunks`, {
        code: 'SNAPSHOT',
        fix: 'read unkeyed tables with countRows and readAll',
      });
    }
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new TributaryError(`snapshot chunk size must be a positive integer, got ${limit}`, {
        code: 'SNAPSHOT',
        fix: 'set [snapshot] chunk_size to a positive integer',
      });
    }
    const query = this.queryOf(t);
    let sql = query.first;
    let params: unknown[] = [];
    if (after !== null) {
      checkCursor(after, t.chunkKey.length);
      sql = query.after;
      params = query.parameters(after);
    }
    const values = await this.run(`read a chunk of ${t.db}.${t.table}`, async (conn) => {
      const [result] = await conn.execute<mysql.RowDataPacket[][]>(
        { sql: `${sql} LIMIT ${limit + 1}`, rowsAsArray: true, typeCast: typeCastFor(t) },
        params as mysql.ExecuteValues,
      );
      return result as unknown as unknown[][];
    });
    const n = Math.min(values.length, limit);
    const rows: Row[] = new Array(n);
    const keys: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const row = t.decoder.decodeValues(values[i] as unknown[]);
      rows[i] = row;
      keys[i] = rowKey(row, t.chunkKey);
    }
    const lastValues = values[n - 1];
    return { rows, keys, last: lastValues ? query.cursorOf(lastValues) : null, more: values.length > limit };
  }

  /** Exact COUNT(*) (for an unkeyed table, to compare with max_unkeyed_rows). */
  async countRows(t: SnapshotTable): Promise<number> {
    const rows = await this.run(`count the rows of ${t.db}.${t.table}`, async (conn) => {
      const [result] = await conn.query<mysql.RowDataPacket[]>(this.queryOf(t).count);
      return result;
    });
    return Number(rows[0]?.n ?? 0);
  }

  /** Every row in one statement (for an unkeyed table; the caller bounds its size first). */
  async readAll(t: SnapshotTable): Promise<Row[]> {
    const values = await this.run(`read ${t.db}.${t.table}`, async (conn) => {
      const [result] = await conn.execute<mysql.RowDataPacket[][]>({
        sql: this.queryOf(t).all,
        rowsAsArray: true,
        typeCast: typeCastFor(t),
      });
      return result as unknown as unknown[][];
    });
    return values.map((v) => t.decoder.decodeValues(v));
  }

  /** Closes the connection; later calls fail. Safe to call more than once. */
  async close(): Promise<void> {
    this.closed = true;
    const conn = this.conn;
    this.conn = null;
    if (conn) await conn.then((c) => c.end()).catch(() => undefined);
  }

  private queryOf(t: SnapshotTable): ChunkQuery {
    let query = this.queries.get(t);
    if (!query) {
      query = new ChunkQuery(t);
      this.queries.set(t, query);
    }
    return query;
  }

  /** Runs `fn` on the connection (made on first use, remade after a fatal error). */
  private async run<T>(doing: string, fn: (conn: mysql.Connection) => Promise<T>): Promise<T> {
    if (this.closed) {
      throw new TributaryError(`the snapshot reader is closed and cannot ${doing}`, {
        code: 'PIPELINE',
        fix: 'report this: the snapshot used its reader after closing it',
      });
    }
    const pending = (this.conn ??= this.connect());
    let conn: mysql.Connection;
    try {
      conn = await pending;
    } catch (err) {
      if (this.conn === pending) this.conn = null;
      throw mysqlError(err, doing, this.where);
    }
    try {
      return await fn(conn);
    } catch (err) {
      if ((err as { fatal?: boolean }).fatal && this.conn === pending) {
        this.conn = null;
        conn.destroy();
      }
      throw mysqlError(err, doing, this.where);
    }
  }

  private async connect(): Promise<mysql.Connection> {
    const conn = await mysql.createConnection({
      ...(await mysqlConnectionOptions(this.endpoint)),
      ...ZONGJI_ROW_OPTIONS,
      charset: 'UTF8MB4_GENERAL_CI',
      // One statement per table shape is enough; the server's prepared-statement budget is global.
      maxPreparedStatements: 64,
    });
    // A dropped connection is reported through the failing call; without a listener the
    // 'error' event would crash the process.
    conn.on('error', () => undefined);
    try {
      await conn.query("SET SESSION time_zone = '+00:00'");
      const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT @@version AS version');
      // A server-wide statement time limit must not cut a large unkeyed read short.
      const unlimited = /mariadb/i.test(String(rows[0]?.version))
        ? 'SET SESSION max_statement_time = 0'
        : 'SET SESSION max_execution_time = 0';
      await conn.query(unlimited);
    } catch (err) {
      conn.destroy();
      throw err;
    }
    return conn;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
