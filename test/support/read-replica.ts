/**
 * A read replica of the shared test server, as production CDC runs against: a dedicated
 * instance (scripts/stack/mysql.sh or mariadb.sh) that replicates by GTID from the test
 * stack's server, applies only the databases matching `databases` (a
 * replicate-wild-do-table pattern), writes what it applies to its own binlog
 * (log_replica_updates), and refuses every other write: MySQL with super_read_only, which
 * blocks even the admin, MariaDB with read_only. Writers write to the primary; the pipeline
 * reads the replica, as a user with only SELECT, REPLICATION SLAVE and REPLICATION CLIENT.
 *
 * The replica starts from the primary's current GTIDs (no history copied), and is destroyed
 * (datadir and all) by destroy().
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { ADMIN, BINLOG_END_GTID_SQL, ON_MYSQL, adminConnection } from './stack.js';

const run = promisify(execFile);
const REPO = new URL('../..', import.meta.url).pathname;

export const READ_ONLY_USER = { user: 'ro_pipeline', password: 'ro_pipeline' };

export class ReadReplica {
  readonly port: number;
  private readonly env: NodeJS.ProcessEnv;
  private readonly script: string;

  constructor(options: { instance: string; mysqlPort: number; mariadbPort: number; databases: string }) {
    this.port = ON_MYSQL ? options.mysqlPort : options.mariadbPort;
    const filter = `--replicate-wild-do-table=${options.databases}.%`;
    this.script = join(REPO, 'scripts/stack', ON_MYSQL ? 'mysql.sh' : 'mariadb.sh');
    this.env = ON_MYSQL
      ? { ...process.env, MYSQL_INSTANCE: options.instance, MYSQL_PORT: String(this.port), MYSQL_SERVER_ID: String(this.port), MYSQL_EXTRA_ARGS: `--super-read-only=ON --skip-replica-start ${filter}` }
      : { ...process.env, MARIADB_INSTANCE: options.instance, MARIADB_PORT: String(this.port), MARIADB_SERVER_ID: String(this.port), MARIADB_EXTRA_ARGS: `--read-only=ON --log-slave-updates=ON --skip-slave-start ${filter}` };
  }

  /** Starts the instance, points it at the primary from the primary's current GTIDs, and creates the read-only pipeline user. */
  async up(): Promise<void> {
    await this.stack('destroy');
    await this.stack('up');
    const primary = await adminConnection();
    const [rows] = await primary.query<mysql.RowDataPacket[]>(BINLOG_END_GTID_SQL);
    await primary.end();
    const gtids = String(rows[0]?.p ?? '').replace(/\s/g, '');
    const conn = await this.connect();
    try {
      // Setting up is the one write: none of it enters the binlog the pipeline reads.
      await conn.query(ON_MYSQL ? 'SET GLOBAL super_read_only = OFF' : 'SET GLOBAL read_only = OFF');
      await conn.query('SET SESSION sql_log_bin = 0');
      const grant = `GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '${READ_ONLY_USER.user}'@'127.0.0.1'`;
      await conn.query(`CREATE USER '${READ_ONLY_USER.user}'@'127.0.0.1' IDENTIFIED BY '${READ_ONLY_USER.password}'`);
      await conn.query(grant);
      if (ON_MYSQL) {
        await conn.query('RESET BINARY LOGS AND GTIDS');
        await conn.query(`SET GLOBAL gtid_purged = '${gtids}'`);
        await conn.query(
          `CHANGE REPLICATION SOURCE TO SOURCE_HOST = '${ADMIN.host}', SOURCE_PORT = ${ADMIN.port}, SOURCE_USER = '${ADMIN.user}', SOURCE_PASSWORD = '${ADMIN.password}', SOURCE_AUTO_POSITION = 1, GET_SOURCE_PUBLIC_KEY = 1`,
        );
        await conn.query('START REPLICA');
        await conn.query('SET GLOBAL super_read_only = ON');
      } else {
        await conn.query('RESET MASTER');
        await conn.query(`SET GLOBAL gtid_slave_pos = '${gtids}'`);
        await conn.query(
          `CHANGE MASTER TO MASTER_HOST = '${ADMIN.host}', MASTER_PORT = ${ADMIN.port}, MASTER_USER = '${ADMIN.user}', MASTER_PASSWORD = '${ADMIN.password}', MASTER_USE_GTID = slave_pos`,
        );
        await conn.query('START SLAVE');
        await conn.query('SET GLOBAL read_only = ON');
      }
    } finally {
      await conn.end();
    }
  }

  /** Resolves once the replica has applied everything the primary had committed when called. */
  async caughtUp(timeoutMs = 60_000): Promise<void> {
    const primary = await adminConnection();
    const [rows] = await primary.query<mysql.RowDataPacket[]>(BINLOG_END_GTID_SQL);
    await primary.end();
    const gtids = String(rows[0]?.p ?? '').replace(/\s/g, '');
    const conn = await this.connect();
    try {
      const sql = ON_MYSQL ? 'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) AS r' : 'SELECT MASTER_GTID_WAIT(?, ?) AS r';
      const [r] = await conn.query<mysql.RowDataPacket[]>(sql, [gtids, timeoutMs / 1000]);
      if (Number(r[0]?.r) !== 0) throw new Error(`replica on ${this.port} did not reach ${gtids} within ${timeoutMs} ms`);
    } finally {
      await conn.end();
    }
  }

  /** An admin connection to the replica (reads; writes are refused once it is up). */
  connect(database?: string): Promise<mysql.Connection> {
    return mysql.createConnection({ host: '127.0.0.1', port: this.port, user: ADMIN.user, password: ADMIN.password, database, multipleStatements: true });
  }

  async destroy(): Promise<void> {
    await this.stack('destroy');
  }

  private async stack(command: 'up' | 'destroy'): Promise<void> {
    try {
      await run('bash', [this.script, command], { env: this.env, timeout: 180_000 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`${this.script} ${command} (port ${this.port}) failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  }
}
