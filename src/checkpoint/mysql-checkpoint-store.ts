import { createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import type { MysqlEndpoint } from '../source/binlog/server-check.js';
import { mysqlConnectionOptions } from '../source/mysql-connection-options.js';
import { mysqlError } from '../source/mysql-error.js';
import { TributaryError } from '../errors/tributary-error.js';
import type { Checkpoint, CheckpointStore } from './checkpoint.js';
import { checkpointFromValue, parseCheckpointJson } from './checkpoint-codec.js';
import { storeClosedError } from './store-closed-error.js';
import { foreignCheckpointError } from './foreign-checkpoint-error.js';

const TABLE = '`_tributary`.`checkpoints`';

// LONGTEXT, not JSON: MariaDB's JSON is LONGTEXT anyway, and MySQL's would come back
// parsed, so one column type keeps both servers on the same code path.
const DDL = [
  'CREATE DATABASE IF NOT EXISTS `_tributary`',
  `CREATE TABLE IF NOT EXISTS ${TABLE} (
    pipeline VARCHAR(255) NOT NULL PRIMARY KEY,
    position LONGTEXT NOT NULL,
    snapshot LONGTEXT NULL,
    updated_at DATETIME(6) NOT NULL
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
];

const UPSERT = `INSERT INTO ${TABLE} (pipeline, position, snapshot, updated_at) VALUES (?, ?, ?, ?)
  ON DUPLICATE KEY UPDATE position = VALUES(position), snapshot = VALUES(snapshot), updated_at = VALUES(updated_at)`;

interface CheckpointRow extends RowDataPacket {
  position: string;
  snapshot: string | null;
  updated_at: Date;
}

/**
 * A checkpoint row in `_tributary.checkpoints` on the source server itself, so the
 * position lives next to the data it describes and follows it through backups. Note that
 * each save is a transaction in the source's binlog (in the always-excluded `_tributary`
 * schema).
 */
export class MysqlCheckpointStore implements CheckpointStore {
  private readonly endpoint: MysqlEndpoint;
  private pool: Promise<Pool> | undefined;
  private readonly where: string;
  private ready: Promise<void> | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;

  private readonly pipeline: string;

  /** The source server, with its [source.tls]: the store logs in as the pipeline does. */
  constructor(endpoint: MysqlEndpoint, pipeline: string) {
    this.pipeline = pipeline;
    this.endpoint = endpoint;
    this.where = `${endpoint.host}:${endpoint.port}`;
  }

  async load(): Promise<Checkpoint | null> {
    if (this.closed) throw storeClosedError(this.describe());
    let rows: CheckpointRow[];
    try {
      await this.ensureTable();
      [rows] = await (await this.db()).query<CheckpointRow[]>(
        `SELECT position, snapshot, updated_at FROM ${TABLE} WHERE pipeline = ?`,
        [this.pipeline],
      );
    } catch (err) {
      throw this.wrap(err, 'read');
    }
    const row = rows[0];
    if (!row) return null;
    const where = `${this.describe()} (pipeline ${this.pipeline})`;
    return checkpointFromValue(
      {
        pipeline: this.pipeline,
        position: parseCheckpointJson(row.position, where),
        snapshot: row.snapshot === null ? undefined : parseCheckpointJson(row.snapshot, where),
        updatedAt: row.updated_at.toISOString(),
      },
      where,
    );
  }

  async save(cp: Checkpoint): Promise<void> {
    if (this.closed) throw storeClosedError(this.describe());
    if (cp.pipeline !== this.pipeline) throw foreignCheckpointError(cp.pipeline, this.pipeline);
    const updatedAt = new Date(cp.updatedAt);
    if (Number.isNaN(updatedAt.getTime())) {
      throw new TributaryError(`checkpoint updatedAt is not a date: ${cp.updatedAt}`, {
        code: 'CHECKPOINT_WRITE',
        fix: 'this is a bug in Tributary; please report it',
      });
    }
    const { gtid, file, pos } = cp.position;
    const snapshot = cp.snapshot === undefined ? null : JSON.stringify(cp.snapshot);
    try {
      await this.ensureTable();
      await (await this.db()).query(UPSERT, [this.pipeline, JSON.stringify({ gtid, file, pos }), snapshot, updatedAt]);
    } catch (err) {
      throw this.wrap(err, 'write');
    }
  }

  async clear(): Promise<void> {
    if (this.closed) throw storeClosedError(this.describe());
    try {
      await this.ensureTable();
      await (await this.db()).query(`DELETE FROM ${TABLE} WHERE pipeline = ?`, [this.pipeline]);
    } catch (err) {
      throw this.wrap(err, 'delete');
    }
  }

  close(): Promise<void> {
    this.closed = true;
    this.closing ??= (this.pool ?? Promise.resolve(null)).then((p) => p?.end()).catch(() => undefined);
    return this.closing;
  }

  /** Made at first use: the connection options may ask the server whether it offers TLS. */
  private db(): Promise<Pool> {
    this.pool ??= mysqlConnectionOptions(this.endpoint).then((options) =>
      createPool({
        ...options,
        // One saver at a time; more connections would only hold server slots.
        connectionLimit: 1,
        // Release the idle connection long before a server's wait_timeout kills it.
        maxIdle: 0,
        idleTimeout: 60_000,
        // updated_at is written and read as UTC whatever the server's time zone.
        timezone: 'Z',
      }),
    );
    return this.pool;
  }

  private describe(): string {
    return `MySQL ${this.where} ${TABLE}`;
  }

  private ensureTable(): Promise<void> {
    this.ready ??= (async () => {
      for (const sql of DDL) await (await this.db()).query(sql);
    })().catch((err: unknown) => {
      // Let the next call try again (the server may be back, or the grant given).
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  private wrap(err: unknown, op: 'read' | 'write' | 'delete'): TributaryError {
    if (err instanceof TributaryError) return err;
    const e = (err ?? {}) as { code?: string; errno?: number; message?: string; sqlMessage?: string };
    const detail = e.sqlMessage ?? e.message ?? String(err);
    const code = op === 'read' ? 'CHECKPOINT_READ' : 'CHECKPOINT_WRITE';
    const errno = e.errno ?? 0;
    const what = `cannot ${op} the checkpoint in ${this.describe()}`;
    // A certificate that does not verify is the mysql edge's to explain.
    const edge = mysqlError(err, `${op} the checkpoint`, this.where);
    if (edge.code.startsWith('TLS_')) return edge;
    if (e.code === 'ER_ACCESS_DENIED_ERROR' || errno === 1045 || errno === 1698) {
      return new TributaryError(`${what}: login refused: ${detail}`, {
        code,
        fix: 'check [source] user and password; checkpoint.store = "mysql" logs in as the [source] user',
        cause: err,
      });
    }
    if (errno === 1044 || errno === 1142 || errno === 1227 || errno === 1290 || errno === 1836) {
      return new TributaryError(`${what}: ${detail}`, {
        code,
        fix: "grant the [source] user ALL on `_tributary`.* (GRANT ALL ON `_tributary`.* TO 'user'@'host'), or use another checkpoint.store; a read-only server cannot hold checkpoints",
        cause: err,
      });
    }
    const network =
      /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|PROTOCOL_CONNECTION_LOST|PROTOCOL_SEQUENCE_TIMEOUT)$/.test(
        e.code ?? '',
      ) || [1040, 1053, 1205, 1213, 2002, 2003, 2006, 2013].includes(errno);
    return new TributaryError(`${what}: ${detail || e.code}`, {
      code,
      retriable: network,
      fix: network
        ? 'check that the MySQL server in [source] is running and reachable from this host'
        : 'check the MySQL error above; the checkpoint table is `_tributary`.`checkpoints`',
      cause: err,
    });
  }
}
