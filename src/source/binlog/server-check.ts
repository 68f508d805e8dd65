import mysql from 'mysql2/promise';
import { TributaryError } from '../../errors/tributary-error.js';
import { mysqlError } from '../mysql-error.js';
import { mysqlConnectionOptions, type MysqlTls } from '../mysql-connection-options.js';

export interface MysqlEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
  connectTimeout?: number;
  /** `[source.tls]`; none means plain text. */
  tls?: MysqlTls;
}

export interface ServerInfo {
  flavor: 'mariadb' | 'mysql';
  version: string;
  serverId: number;
  /** Whether positions can be GTIDs: always on MariaDB, gtid_mode=ON on MySQL. */
  gtid: boolean;
  /** Which kind of position the pipeline uses here, and why (logged once at start). */
  positions: string;
  /** read_only (or MySQL's super_read_only) is on: a replica, most likely; nothing may be written to it. */
  readOnly: boolean;
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
    conn = await mysql.createConnection(await mysqlConnectionOptions(endpoint));
  } catch (err) {
    throw mysqlError(err, 'check the server settings', where);
  }
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT @@version AS version, @@server_id AS server_id, @@log_bin AS log_bin, @@binlog_format AS binlog_format, @@binlog_row_image AS binlog_row_image, @@read_only AS read_only',
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
    // Session-settable, so only the global default can be checked here; a session that sets
    // it still stops the stream at its first partial update (BINLOG_UNSUPPORTED_EVENT).
    const rowValueOptions = (await variable(conn, 'binlog_row_value_options')).toUpperCase();
    if (rowValueOptions.includes('PARTIAL_JSON')) {
      throw new TributaryError(
        `MySQL at ${where} has binlog_row_value_options = PARTIAL_JSON: an UPDATE of a JSON column by JSON_SET/JSON_REPLACE/JSON_REMOVE is then logged as a diff, without the after-image Tributary must publish`,
        { code: 'MYSQL_SERVER_SETTING', fix: PARTIAL_JSON_FIX },
      );
    }
    const gtidMode = flavor === 'mysql' ? (await variable(conn, 'gtid_mode')).toUpperCase() : '';
    const gtid = flavor === 'mariadb' || gtidMode === 'ON';
    await conn.query('SHOW BINARY LOGS').catch((err: unknown) => {
      throw mysqlError(err, 'list the binary logs (SHOW BINARY LOGS)', where);
    });
    const readOnly = Number(row.read_only) === 1 || (flavor === 'mysql' && (await variable(conn, 'super_read_only')).toUpperCase() === 'ON');
    return { flavor, version, serverId: Number(row.server_id), gtid, positions: positionsReason(flavor, gtidMode), readOnly };
  } catch (err) {
    throw err instanceof TributaryError ? err : mysqlError(err, 'check the server settings', where);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

export const PARTIAL_JSON_FIX =
  "SET GLOBAL binlog_row_value_options = '' and binlog_row_value_options = '' in [mysqld], and make sure no session sets it to PARTIAL_JSON (sessions started before keep their value)";

/**
 * Only gtid_mode=ON guarantees every transaction a GTID. In the permissive modes a
 * transaction may be anonymous (written with gtid_next=ANONYMOUS, or replicated from a
 * source without GTIDs): a GTID set cannot name it, so resuming by one could skip or
 * repeat it. File and offset address every transaction in every mode.
 */
function positionsReason(flavor: 'mariadb' | 'mysql', gtidMode: string): string {
  if (flavor === 'mariadb') return 'positions are GTID positions (MariaDB gives every transaction a GTID), with file and offset beside them';
  switch (gtidMode) {
    case 'ON':
      return 'gtid_mode=ON: positions are GTID sets, since every transaction has a GTID (file and offset are kept beside them)';
    case 'ON_PERMISSIVE':
      return 'gtid_mode=ON_PERMISSIVE: positions are file and offset, since replicated transactions may lack GTIDs';
    case 'OFF_PERMISSIVE':
      return 'gtid_mode=OFF_PERMISSIVE: positions are file and offset, since transactions may lack GTIDs';
    default:
      return `gtid_mode=${gtidMode || 'OFF'}: positions are file and offset, since transactions have no GTIDs`;
  }
}

async function variable(conn: mysql.Connection, name: string): Promise<string> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SHOW GLOBAL VARIABLES LIKE ?', [name]);
  return rows[0] ? String(rows[0].Value) : '';
}
