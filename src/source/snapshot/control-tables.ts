import mysql from 'mysql2/promise';
import type { MysqlEndpoint } from '../binlog/server-check.js';
import { mysqlError } from '../mysql-error.js';
import { CONTROL_SCHEMA } from '../binlog/transaction-assembler.js';
import { mysqlConnectionOptions } from '../mysql-connection-options.js';
import type { WatermarkSource } from './watermark-source.js';

export const WATERMARKS_TABLE = 'watermarks';
export const SIGNALS_TABLE = 'signals';

/**
 * Tributary's tables on the source, in the `_tributary` schema. Writes to them travel
 * through the binlog like any change, which is the point: a watermark marks an exact spot
 * in the stream, and a signal reaches a running pipeline with no other channel.
 * - watermarks: one row per (pipeline, slot), overwritten per chunk, so it stays tiny.
 * - signals: requests such as an ad-hoc snapshot, one row each.
 */
export class ControlTables implements WatermarkSource {
  private readonly endpoint: MysqlEndpoint;
  private conn: Promise<mysql.Connection> | null = null;
  private closed = false;

  constructor(endpoint: MysqlEndpoint) {
    this.endpoint = endpoint;
  }

  private where(): string {
    return `${this.endpoint.host}:${this.endpoint.port}`;
  }

  private connection(): Promise<mysql.Connection> {
    this.conn ??= (async () => {
      const conn = await mysql.createConnection(await mysqlConnectionOptions(this.endpoint));
      await conn.query(`CREATE DATABASE IF NOT EXISTS \`${CONTROL_SCHEMA}\``);
      await conn.query(
        `CREATE TABLE IF NOT EXISTS \`${CONTROL_SCHEMA}\`.\`${WATERMARKS_TABLE}\` (
           pipeline VARCHAR(200) NOT NULL, slot INT NOT NULL, chunk VARCHAR(255) NOT NULL,
           kind VARCHAR(8) NOT NULL, at DATETIME(6) NOT NULL, PRIMARY KEY (pipeline, slot))`,
      );
      await conn.query(
        `CREATE TABLE IF NOT EXISTS \`${CONTROL_SCHEMA}\`.\`${SIGNALS_TABLE}\` (
           id BIGINT AUTO_INCREMENT PRIMARY KEY, pipeline VARCHAR(200) NOT NULL,
           kind VARCHAR(32) NOT NULL, payload TEXT NOT NULL, at DATETIME(6) NOT NULL)`,
      );
      return conn;
    })().catch((err: unknown) => {
      this.conn = null;
      throw mysqlError(err, `prepare the ${CONTROL_SCHEMA} schema (watermarks, signals)`, this.where());
    });
    return this.conn;
  }

  /** Creates the tables if needed; call before streaming so their first writes are decodable. */
  async prepare(): Promise<void> {
    await this.connection();
  }

  /** Writes a low or high watermark; resolves once it is committed (so in the binlog). */
  async mark(pipeline: string, slot: number, chunk: string, kind: 'low' | 'high'): Promise<void> {
    const conn = await this.connection();
    try {
      await conn.execute(
        `INSERT INTO \`${CONTROL_SCHEMA}\`.\`${WATERMARKS_TABLE}\` (pipeline, slot, chunk, kind, at) VALUES (?, ?, ?, ?, NOW(6))
         ON DUPLICATE KEY UPDATE chunk = VALUES(chunk), kind = VALUES(kind), at = VALUES(at)`,
        [pipeline, slot, chunk, kind],
      );
    } catch (err) {
      this.dropIfBroken(err, conn);
      throw mysqlError(err, 'write a snapshot watermark', this.where());
    }
  }

  /** Asks a (running or later) pipeline to do something, e.g. snapshot tables. */
  async signal(pipeline: string, kind: string, payload: string): Promise<void> {
    const conn = await this.connection();
    try {
      await conn.execute(
        `INSERT INTO \`${CONTROL_SCHEMA}\`.\`${SIGNALS_TABLE}\` (pipeline, kind, payload, at) VALUES (?, ?, ?, NOW(6))`,
        [pipeline, kind, payload],
      );
    } catch (err) {
      this.dropIfBroken(err, conn);
      throw mysqlError(err, 'write a signal', this.where());
    }
  }

  /** A connection the server dropped (a restart) is replaced on the next call. */
  private dropIfBroken(err: unknown, conn: mysql.Connection): void {
    if (!(err as { fatal?: boolean }).fatal) return;
    this.conn = null;
    conn.destroy();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const conn = this.conn;
    this.conn = null;
    if (conn) await conn.then((c) => c.end()).catch(() => undefined);
  }
}
