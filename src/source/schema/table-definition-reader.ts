import mysql from 'mysql2/promise';
import type { TableDefinition } from '../../model/schema-change.js';
import type { MysqlEndpoint } from '../binlog/server-check.js';
import { mysqlConnectionOptions } from '../mysql-connection-options.js';
import { mysqlError } from '../mysql-error.js';
import type { ColumnPolicy } from '../../route/column-policy.js';

const COLUMNS_QUERY =
  'SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable FROM information_schema.COLUMNS ' +
  'WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION';
const KEY_QUERY =
  "SELECT COLUMN_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX";

/**
 * A table's columns (names, full MySQL types, nullability) and primary key as
 * information_schema shows them now: what a schema-change message carries. Now is when
 * the pipeline reaches the statement in the binlog; a later DDL on the same table that
 * already ran shows through (docs/message-format.md#schema-changes says so).
 */
export class TableDefinitionReader {
  private pool: mysql.Pool | null = null;

  /** `columns` leaves out of the definitions the columns [[columns]] does not publish. */
  constructor(
    private readonly endpoint: MysqlEndpoint,
    private readonly columns: ColumnPolicy | null = null,
  ) {}

  /** Null when the table does not exist (any more). Errors come through mysqlError (retriable decided there). */
  async read(db: string, table: string): Promise<TableDefinition | null> {
    this.pool ??= mysql.createPool({ ...(await mysqlConnectionOptions(this.endpoint)), connectionLimit: 1 });
    try {
      const [columns] = await this.pool.query<mysql.RowDataPacket[]>(COLUMNS_QUERY, [db, table]);
      if (columns.length === 0) return null;
      const [key] = await this.pool.query<mysql.RowDataPacket[]>(KEY_QUERY, [db, table]);
      const rules = this.columns?.forTable(db, table) ?? null;
      return {
        columns: columns
          .map((c) => ({ name: String(c['name']), type: String(c['type']), nullable: c['nullable'] === 'YES' }))
          .filter((c) => rules === null || rules.publishes(c.name)),
        primaryKey: key.map((k) => String(k['name'])),
      };
    } catch (err) {
      throw mysqlError(err, `read the definition of ${db}.${table} from information_schema`, `${this.endpoint.host}:${this.endpoint.port}`);
    }
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.end().catch(() => undefined);
  }
}
