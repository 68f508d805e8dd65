import mysql from 'mysql2/promise';
import type { MysqlEndpoint } from '../binlog/server-check.js';
import { mysqlError } from '../mysql-error.js';
import { mysqlConnectionOptions } from '../mysql-connection-options.js';

/**
 * Reads the server's executed GTID set on a connection of its own, for the GTID
 * watermarks. MySQL's is @@GLOBAL.gtid_executed; MariaDB's is @@GLOBAL.gtid_binlog_pos:
 * what this server wrote to its own binlog, which is what the stream reads
 * (gtid_current_pos can be ahead of it on a replica, with transactions its binlog never
 * carries, and the stream would wait for them forever).
 */
export class GtidSetReader {
  private readonly endpoint: MysqlEndpoint;
  private conn: Promise<{ conn: mysql.Connection; variable: string }> | null = null;
  private closed = false;

  constructor(endpoint: MysqlEndpoint) {
    this.endpoint = endpoint;
  }

  async read(): Promise<string> {
    const where = `${this.endpoint.host}:${this.endpoint.port}`;
    if (this.closed) throw mysqlError(new Error('closed'), 'read the executed GTID set', where);
    const pending = (this.conn ??= this.connect());
    try {
      const { conn, variable } = await pending;
      const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT ${variable} AS gtids`);
      return String(rows[0]?.gtids ?? '').replace(/\s/g, '');
    } catch (err) {
      // The next read opens a new connection (the server restarted, the network broke).
      if (this.conn === pending) this.conn = null;
      void pending.then(({ conn }) => conn.destroy(), () => undefined);
      throw mysqlError(err, 'read the executed GTID set (snapshot watermark)', where);
    }
  }

  private async connect(): Promise<{ conn: mysql.Connection; variable: string }> {
    const conn = await mysql.createConnection(await mysqlConnectionOptions(this.endpoint));
    conn.on('error', () => undefined);
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT @@version AS version');
    const variable = /mariadb/i.test(String(rows[0]?.version)) ? '@@GLOBAL.gtid_binlog_pos' : '@@GLOBAL.gtid_executed';
    return { conn, variable };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending = this.conn;
    this.conn = null;
    if (pending) await pending.then(({ conn }) => conn.end()).catch(() => undefined);
  }
}
