import mysql from 'mysql2/promise';
import { TributaryError } from '../../errors/tributary-error.js';
import { mysqlError } from '../mysql-error.js';
import { mysqlConnectionOptions } from '../mysql-connection-options.js';

export interface MysqlEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
  connectTimeout?: number;
}

export interface ServerInfo {
  flavor: 'mariadb' | 'mysql';
  version: string;
  serverId: number;
  /** Whether positions can be GTIDs: always on MariaDB, gtid_mode=ON on MySQL. */
  gtid: boolean;
}

interface Setting {
  name: string;
  want: string;
  /** What to put in my.cnf / run, for the message. */
  fix: string;
}

const REQUIRED: Setting[] = [
  { name: 'log_bin', want: '1', fix: 'enable the binlog: log_bin = binlog (and a server_id) in [mysqld], then restart the server' },
  { name: 'binlog_format', want: 'ROW', fix: "SET GLOBAL binlog_format = 'ROW' and binlog_format = ROW in [mysqld] (sessions started before keep their format)" },
  { name: 'binlog_row_image', want: 'FULL', fix: "SET GLOBAL binlog_row_image = 'FULL' and binlog_row_image = FULL in [mysqld]" },
  { name: 'binlog_row_metadata', want: 'FULL', fix: "SET GLOBAL binlog_row_metadata = 'FULL' and binlog_row_metadata = FULL in [mysqld] (column names, signedness and keys then travel in the binlog)" },
];

/**
 * Checks, before any streaming, that the server writes a binlog Tributary can read
 * exactly, and that the user may read it. A wrong setting fails with its name, its
 * current value and how to fix it, instead of surfacing later as missing or wrong rows.
 */
export async function checkServer(endpoint: MysqlEndpoint): Promise<ServerInfo> {
  const where = `${endpoint.host}:${endpoint.port}`;
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection(mysqlConnectionOptions(endpoint));
  } catch (err) {
    throw mysqlError(err, 'check the server settings', where);
  }
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT @@version AS version, @@server_id AS server_id, @@log_bin AS log_bin, @@binlog_format AS binlog_format, @@binlog_row_image AS binlog_row_image',
    );
    const row = rows[0]!;
    const version = String(row.version);
    const flavor = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
    const values: Record<string, string> = {
      log_bin: String(row.log_bin),
      binlog_format: String(row.binlog_format).toUpperCase(),
      binlog_row_image: String(row.binlog_row_image).toUpperCase(),
      binlog_row_metadata: await variable(conn, 'binlog_row_metadata'),
    };
    const wrong = REQUIRED.filter((s) => values[s.name] !== s.want);
    if (wrong.length > 0) {
      const lines = wrong.map((s) => `${s.name} is ${values[s.name] || '(unset)'}, needs ${s.want}`);
      throw new TributaryError(`MySQL at ${where} is not configured for row-based CDC: ${lines.join('; ')}`, {
        code: 'MYSQL_SERVER_SETTING',
        fix: wrong.map((s) => s.fix).join('; '),
      });
    }
    let gtid = flavor === 'mariadb';
    if (flavor === 'mysql') gtid = (await variable(conn, 'gtid_mode')).toUpperCase() === 'ON';
    await conn.query('SHOW BINARY LOGS').catch((err: unknown) => {
      throw mysqlError(err, 'list the binary logs (SHOW BINARY LOGS)', where);
    });
    return { flavor, version, serverId: Number(row.server_id), gtid };
  } catch (err) {
    throw err instanceof TributaryError ? err : mysqlError(err, 'check the server settings', where);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

async function variable(conn: mysql.Connection, name: string): Promise<string> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SHOW GLOBAL VARIABLES LIKE ?', [name]);
  return rows[0] ? String(rows[0].Value) : '';
}
