import mysql from 'mysql2/promise';
import type { Position } from '../../model/position.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { mysqlError } from '../mysql-error.js';
import { mysqlConnectionOptions } from '../mysql-connection-options.js';
import type { MysqlEndpoint, ServerInfo } from './server-check.js';

/**
 * The server's binlog end right now, as a Position a stream can start from. A first start
 * takes it, saves it in the checkpoint, and only then opens the stream at it: so a crash at
 * any moment after the first message finds a checkpoint at or before that message.
 *
 * The file and offset are read before the GTIDs. A transaction committing between the two
 * is then in the GTID set and after the offset; either way it is streamed (resuming by GTID
 * skips it only if it is in the set, and then it was streamed after the offset).
 */
export async function readCurrentPosition(endpoint: MysqlEndpoint, server: Pick<ServerInfo, 'flavor' | 'gtid'>): Promise<Position> {
  const where = `${endpoint.host}:${endpoint.port}`;
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection(await mysqlConnectionOptions(endpoint));
  } catch (err) {
    throw mysqlError(err, 'read the current binlog position', where);
  }
  try {
    const status = await binlogStatus(conn);
    if (!status) {
      throw new TributaryError(`MySQL at ${where} reports no binlog position (SHOW MASTER STATUS is empty)`, {
        code: 'MYSQL_SERVER_SETTING',
        fix: 'enable the binlog (log_bin) and make sure the [source] user has REPLICATION CLIENT',
      });
    }
    let gtid: string | null = null;
    if (server.gtid) {
      const variable = server.flavor === 'mariadb' ? '@@GLOBAL.gtid_binlog_pos' : '@@GLOBAL.gtid_executed';
      const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT ${variable} AS gtid`);
      const text = String(rows[0]?.gtid ?? '').replace(/\s/g, '');
      // An empty set (a server that never wrote a transaction) is no place to resume by
      // GTID from: it means "from the first binlog". The file and offset are exact.
      gtid = text === '' ? null : text;
    }
    return { gtid, file: status.file, pos: status.pos };
  } catch (err) {
    throw err instanceof TributaryError ? err : mysqlError(err, 'read the current binlog position', where);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** SHOW BINARY LOG STATUS (MySQL 8.2+), else SHOW MASTER STATUS (MariaDB, older MySQL). */
async function binlogStatus(conn: mysql.Connection): Promise<{ file: string; pos: number } | null> {
  let rows: mysql.RowDataPacket[];
  try {
    [rows] = await conn.query<mysql.RowDataPacket[]>('SHOW BINARY LOG STATUS');
  } catch (err) {
    if ((err as { errno?: number }).errno !== 1064) throw err;
    [rows] = await conn.query<mysql.RowDataPacket[]>('SHOW MASTER STATUS');
  }
  const row = rows[0];
  if (!row) return null;
  return { file: String(row.File), pos: Number(row.Position) };
}
