import { createHash } from 'node:crypto';
import mysql from 'mysql2/promise';
import { TributaryError } from '../../errors/tributary-error.js';
import { mysqlError } from '../mysql-error.js';
import { mysqlConnectionOptions } from '../mysql-connection-options.js';
import type { MysqlEndpoint, ServerInfo } from './server-check.js';

export interface ServerIdRequest {
  /** [source] server_id: the replica id this pipeline connects with. */
  serverId: number;
  /** The pipeline's name, to tell another pipeline from another process of this one. */
  pipeline: string;
}

/** Who already replicates with a server_id, as far as the server can tell. */
export interface ServerIdHolder {
  /** A Tributary pipeline's claim (a named lock), or a replica registered with the server. */
  kind: 'pipeline' | 'replica';
  /** The connection that holds the claim, or the registered replica's host:port. */
  where: string;
  /** Whether the holder is a process of the same pipeline (name). */
  samePipeline: boolean;
}

/** A held server_id; close() gives it back (so does the connection dying). */
export interface ServerIdClaim {
  close(): Promise<void>;
}

/**
 * Makes sure no one else replicates from the server with this pipeline's server_id, and
 * keeps it that way while the pipeline runs, before the replication connection opens:
 * MariaDB and MySQL drop the older of two binlog connections with one server_id, so a
 * second pipeline would silently knock the first off.
 *
 * The binlog connection cannot show it: zongji does not register (COM_REGISTER_SLAVE), so
 * the pipeline is not in SHOW SLAVE HOSTS, and PROCESSLIST's "Binlog Dump" rows carry no
 * server_id. So each pipeline holds a named lock for its server_id on a connection of its
 * own for as long as it runs; the server frees it when that connection ends, even on a
 * crash. Registered replicas (real MariaDB/MySQL replicas) are found in SHOW SLAVE HOSTS
 * when the user may run it.
 */
export async function claimServerId(endpoint: MysqlEndpoint, server: ServerInfo, request: ServerIdRequest, warn: (message: string) => void): Promise<ServerIdClaim> {
  const where = `${endpoint.host}:${endpoint.port}`;
  refuseServerOwnId(server, request.serverId, where);
  const conn = await connect(endpoint, where);
  // The claim outlives every query: a lost connection must not throw into the void.
  conn.on('error', (err: unknown) => warn(`lost the connection that holds server_id ${request.serverId} on ${where} (${(err as Error).message}): a second pipeline with this server_id is no longer refused`));
  try {
    const holder = await takeLock(conn, request);
    if (holder) throw conflict(holder, request.serverId, where);
    // Only names this process to a later one; a second process of the pipeline with another server_id is not refused here.
    await conn.query('SELECT GET_LOCK(?, 0)', [pipelineLock(request.pipeline)]);
    const replica = await registeredReplica(conn, request.serverId);
    if (replica) throw conflict(replica, request.serverId, where);
  } catch (err) {
    await conn.end().catch(() => undefined);
    const error = mysqlError(err, 'claim the server_id', where);
    if (error.code !== 'MYSQL_QUERY') throw error;
    // GET_LOCK is refused on some clusters (Galera): run unguarded rather than not at all.
    warn(`cannot claim server_id ${request.serverId} on ${where} (${error.message}): a second pipeline with this server_id would not be refused`);
    return { close: async () => undefined };
  }
  let closed: Promise<void> | null = null;
  return {
    close: () => (closed ??= conn.end().catch(() => undefined)),
  };
}

/**
 * The same checks as claimServerId without claiming anything, for `tributary validate`:
 * who holds the server_id now, or null when it is free.
 */
export async function probeServerId(endpoint: MysqlEndpoint, server: ServerInfo, request: ServerIdRequest): Promise<ServerIdHolder | null> {
  const where = `${endpoint.host}:${endpoint.port}`;
  refuseServerOwnId(server, request.serverId, where);
  const conn = await connect(endpoint, where);
  try {
    return (await lockHolder(conn, request)) ?? (await registeredReplica(conn, request.serverId));
  } catch (err) {
    throw mysqlError(err, 'check who uses the server_id', where);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** The error for a server_id someone else holds. */
export function conflict(holder: ServerIdHolder, serverId: number, where: string): TributaryError {
  if (holder.samePipeline) {
    return new TributaryError(`this pipeline already runs with server_id ${serverId} on MySQL at ${where} (${holder.where})`, {
      code: 'MYSQL_REPLICA_CONFLICT',
      fix: 'stop the other process of this pipeline first: two would knock each other off the server and share one checkpoint',
    });
  }
  const who = holder.kind === 'pipeline' ? `another Tributary pipeline (${holder.where})` : `the replica at ${holder.where} (SHOW SLAVE HOSTS)`;
  return new TributaryError(
    `server_id ${serverId} is already in use on MySQL at ${where} by ${who}: starting would make the server drop that one's binlog connection`,
    {
      code: 'MYSQL_REPLICA_CONFLICT',
      fix: `give this pipeline its own [source] server_id: one no other pipeline or replica of this server uses, and not the server's own`,
    },
  );
}

function refuseServerOwnId(server: ServerInfo, serverId: number, where: string): void {
  if (server.serverId === serverId) throw serverOwnIdError(server, where);
}

/** The error for a [source] server_id equal to the server's own. */
export function serverOwnIdError(server: ServerInfo, where: string): TributaryError {
  const serverId = server.serverId;
  return new TributaryError(`[source] server_id ${serverId} is the server_id of MySQL at ${where} itself`, {
    code: 'MYSQL_REPLICA_CONFLICT',
    fix: `choose a [source] server_id other than the server's own (@@server_id = ${server.serverId}) and unused by its replicas`,
  });
}

async function connect(endpoint: MysqlEndpoint, where: string): Promise<mysql.Connection> {
  try {
    return await mysql.createConnection(await mysqlConnectionOptions(endpoint));
  } catch (err) {
    throw mysqlError(err, 'check that the server_id is free', where);
  }
}

/** Takes the server_id lock; who holds it instead when it is taken. */
async function takeLock(conn: mysql.Connection, request: ServerIdRequest): Promise<ServerIdHolder | null> {
  // A holder that ends between GET_LOCK and IS_USED_LOCK leaves the lock free: try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS got', [serverIdLock(request.serverId)]);
    if (Number(rows[0]?.got) === 1) return null;
    const holder = await lockHolder(conn, request);
    if (holder) return holder;
  }
  return { kind: 'pipeline', where: 'a connection that keeps taking and freeing it', samePipeline: false };
}

async function lockHolder(conn: mysql.Connection, request: ServerIdRequest): Promise<ServerIdHolder | null> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT IS_USED_LOCK(?) AS holder, IS_USED_LOCK(?) AS pipeline', [
    serverIdLock(request.serverId),
    pipelineLock(request.pipeline),
  ]);
  const holder = rows[0]?.holder;
  if (holder === null || holder === undefined) return null;
  const id = Number(holder);
  // Visible only to the same user or with PROCESS; the connection id alone is still a lead.
  const [who] = await conn.query<mysql.RowDataPacket[]>('SELECT USER AS user, HOST AS host FROM information_schema.PROCESSLIST WHERE ID = ?', [id]);
  const at = who[0] ? `connection ${id}, ${String(who[0].user)}@${String(who[0].host)}` : `connection ${id}`;
  return { kind: 'pipeline', where: at, samePipeline: rows[0]?.pipeline !== null && Number(rows[0]?.pipeline) === id };
}

async function registeredReplica(conn: mysql.Connection, serverId: number): Promise<ServerIdHolder | null> {
  let rows: mysql.RowDataPacket[];
  try {
    [rows] = await conn.query<mysql.RowDataPacket[]>('SHOW SLAVE HOSTS');
  } catch {
    // Needs REPLICATION MASTER ADMIN (MariaDB) / REPLICATION SLAVE (MySQL), which a pipeline need not have.
    return null;
  }
  const row = rows.find((r) => Number(r.Server_id) === serverId);
  return row ? { kind: 'replica', where: `${String(row.Host) || '(no host reported)'}:${String(row.Port)}`, samePipeline: false } : null;
}

function serverIdLock(serverId: number): string {
  return `tributary.server_id.${serverId}`;
}

/** Lock names are limited to 64 characters; pipeline names are not. */
function pipelineLock(pipeline: string): string {
  return `tributary.pipeline.${createHash('sha256').update(pipeline).digest('hex').slice(0, 40)}`;
}
