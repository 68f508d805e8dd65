import mysql from 'mysql2/promise';
import type { MysqlEndpoint } from './binlog/server-check.js';
import { TributaryError } from '../errors/tributary-error.js';
import { mysqlError } from './mysql-error.js';
import { mysqlConnectionOptions } from './mysql-connection-options.js';

/**
 * Runs heartbeat.action_query on the source, on a connection of its own kept open between
 * beats (reopened after a failure). The write goes through the binlog, so an idle server
 * still carries a fresh event: the lag and the position move.
 */
export class HeartbeatQuery {
  private readonly endpoint: MysqlEndpoint;
  private readonly sql: string;
  private conn: Promise<mysql.Connection> | null = null;
  private closed = false;

  constructor(endpoint: MysqlEndpoint, sql: string) {
    this.endpoint = endpoint;
    this.sql = sql;
  }

  async run(): Promise<void> {
    if (this.closed) return;
    this.conn ??= mysqlConnectionOptions(this.endpoint).then((options) => mysql.createConnection(options));
    try {
      await (await this.conn).query(this.sql);
    } catch (err) {
      const conn = this.conn;
      this.conn = null;
      void conn.then((c) => c.destroy(), () => undefined);
      const e = mysqlError(err, 'run heartbeat.action_query', `${this.endpoint.host}:${this.endpoint.port}`);
      if (e.code !== 'MYSQL_QUERY' || e.fix) throw e;
      throw new TributaryError(e.message, {
        code: e.code,
        cause: err,
        fix: 'correct heartbeat.action_query, or make sure its table exists and the [source] user may write it',
      });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const conn = this.conn;
    this.conn = null;
    if (conn) await conn.then((c) => c.end(), () => undefined).catch(() => undefined);
  }
}
