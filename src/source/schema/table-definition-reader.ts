import mysql from 'mysql2/promise';
import type { TableDefinition } from '../../model/schema-change.js';
import type { MysqlEndpoint } from '../binlog/server-check.js';
import { mysqlConnectionOptions } from '../mysql-connection-options.js';
import { mysqlError } from '../mysql-error.js';
import type { ColumnPolicy } from '../../route/column-policy.js';
import { quoteName } from '../quote-name.js';

const COLUMNS_QUERY =
  'SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable FROM information_schema.COLUMNS ' +
  'WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION';
/**
 * Errors of opening the table that leave information_schema the only witness: no such
 * table (dropped or renamed away since), no SELECT privilege on it, a view whose tables are
 * gone. The wait they skip is moot then, or cannot be had.
 */
const OPEN_ERRNOS = new Set([1146, 1142, 1143, 1356]);
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
      await this.awaitCommit(this.pool, db, table);
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

  /**
   * MySQL writes a DDL to the binlog before its data dictionary change commits, so the
   * stream can reach the statement while information_schema still shows the table as it
   * was. The statement holds its exclusive metadata lock on the table until after that
   * commit; opening the table (LIMIT 0 reads no row) takes a shared one, so it returns only
   * once the change is visible. Works without GTIDs, and on MariaDB (which binlogs DDL
   * after it is done) it costs one round trip.
   */
  private async awaitCommit(pool: mysql.Pool, db: string, table: string): Promise<void> {
    try {
      await pool.query(`SELECT * FROM ${quoteName(db)}.${quoteName(table)} LIMIT 0`);
    } catch (err) {
      if (!OPEN_ERRNOS.has((err as { errno?: number }).errno ?? 0)) throw err;
    }
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.end().catch(() => undefined);
  }
}
