import mysql from 'mysql2/promise';
import { TributaryError } from '../../errors/tributary-error.js';
import type { MysqlEndpoint } from '../binlog/server-check.js';
import { mysqlError } from '../mysql-error.js';
import { mysqlConnectionOptions } from '../mysql-connection-options.js';

/**
 * Reads the server's executed GTID set on a connection of its own, for the GTID
 * watermarks: the transactions a SELECT run after the read sees.
 *
 * MySQL's is @@GLOBAL.gtid_executed, which takes a transaction only once its commit is
 * done. MariaDB's is @@GLOBAL.gtid_binlog_pos: what this server wrote to its own binlog,
 * which is what the stream reads (gtid_current_pos can be ahead of it on a replica, with
 * transactions its binlog never carries). But it takes a transaction when it is written to
 * the binlog, before the storage engine commits it, so a SELECT right after the read can
 * miss a transaction in the set. A chunk read then would go out older than a change the
 * stream had already handed on: a stale row, which the read-replica test met. So on
 * MariaDB the read also waits until a consistent snapshot stands at or past the binlog
 * end that followed it (Binlog_snapshot_file/position): then every transaction in the set
 * is visible. BINLOG_GTID_POS would give the snapshot's GTIDs directly, but it reads the
 * binlog file from its start each time.
 */
export class GtidSetReader {
  private readonly endpoint: MysqlEndpoint;
  private conn: Promise<{ conn: mysql.Connection; mariadb: boolean }> | null = null;
  private closed = false;

  constructor(endpoint: MysqlEndpoint) {
    this.endpoint = endpoint;
  }

  async read(): Promise<string> {
    const where = `${this.endpoint.host}:${this.endpoint.port}`;
    if (this.closed) throw mysqlError(new Error('closed'), 'read the executed GTID set', where);
    const pending = (this.conn ??= this.connect());
    try {
      const { conn, mariadb } = await pending;
      if (!mariadb) return (await scalar(conn, 'SELECT @@GLOBAL.gtid_executed AS gtids')).replace(/\s/g, '');
      const gtids = await scalar(conn, 'SELECT @@GLOBAL.gtid_binlog_pos AS gtids');
      await visibleUpTo(conn, await binlogEnd(conn));
      return gtids.replace(/\s/g, '');
    } catch (err) {
      if (err instanceof TributaryError) throw err;
      // The next read opens a new connection (the server restarted, the network broke).
      if (this.conn === pending) this.conn = null;
      void pending.then(({ conn }) => conn.destroy(), () => undefined);
      throw mysqlError(err, 'read the executed GTID set (snapshot watermark)', where);
    }
  }

  private async connect(): Promise<{ conn: mysql.Connection; mariadb: boolean }> {
    const conn = await mysql.createConnection(await mysqlConnectionOptions(this.endpoint));
    conn.on('error', () => undefined);
    const version = await scalar(conn, 'SELECT @@version AS gtids');
    return { conn, mariadb: /mariadb/i.test(version) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending = this.conn;
    this.conn = null;
    if (pending) await pending.then(({ conn }) => conn.end()).catch(() => undefined);
  }
}

async function scalar(conn: mysql.Connection, sql: string): Promise<string> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(sql);
  return String(rows[0]?.gtids ?? '');
}

/** Binlog coordinates as [file number, offset]: files of one server share their base name. */
type Coordinates = [number, number];

function coordinates(file: unknown, pos: unknown): Coordinates {
  const m = /\.(\d+)$/.exec(String(file));
  return [m ? Number(m[1]) : 0, Number(pos)];
}

async function binlogEnd(conn: mysql.Connection): Promise<Coordinates> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SHOW MASTER STATUS');
  return coordinates(rows[0]?.File, rows[0]?.Position);
}

/** How long the engine may take to make what is in the binlog visible. */
const VISIBLE_WITHIN_MS = 10_000;

/** MariaDB: waits until a consistent snapshot sees everything written to the binlog up to `end` (reads only). */
async function visibleUpTo(conn: mysql.Connection, end: Coordinates): Promise<void> {
  const until = Date.now() + VISIBLE_WITHIN_MS;
  for (;;) {
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
    let at: Coordinates;
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        "SELECT VARIABLE_NAME AS name, VARIABLE_VALUE AS value FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME IN ('BINLOG_SNAPSHOT_FILE', 'BINLOG_SNAPSHOT_POSITION')",
      );
      const value = (name: string) => rows.find((r) => String(r.name).toUpperCase() === name)?.value;
      at = coordinates(value('BINLOG_SNAPSHOT_FILE'), value('BINLOG_SNAPSHOT_POSITION'));
    } finally {
      await conn.query('COMMIT');
    }
    if (at[0] > end[0] || (at[0] === end[0] && at[1] >= end[1])) return;
    if (Date.now() > until) {
      throw new TributaryError(`transactions in MariaDB's binlog up to ${end.join(':')} were not visible to a consistent snapshot within ${VISIBLE_WITHIN_MS} ms (it stands at ${at.join(':')})`, {
        code: 'SNAPSHOT',
        retriable: true,
        fix: 'report this with the server version: a transaction stayed written to the binlog without its commit completing',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
