/**
 * Where the real local stack (scripts/stack/) listens, and small helpers that give
 * each test its own database and topics. No stand-ins: these talk to the real servers.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { Kafka, logLevel } from 'kafkajs';
import { trackOwnGtids } from './last-gtid.js';
import { registerCompressionCodecs } from '../../src/sink/compression-codecs.js';

/**
 * The source server the tests run against: MariaDB (scripts/stack/mariadb.sh) by default,
 * Oracle MySQL (scripts/stack/mysql.sh) with TRIBUTARY_TEST_SOURCE=mysql. scripts/test.sh
 * runs the source-facing tests once on each.
 */
export type SourceKind = 'mariadb' | 'mysql';
const kind = (process.env.TRIBUTARY_TEST_SOURCE ?? 'mariadb') as SourceKind;
if (kind !== 'mariadb' && kind !== 'mysql') throw new Error(`TRIBUTARY_TEST_SOURCE must be mariadb or mysql, not ${String(kind)}`);

export const SOURCE = {
  kind,
  host: '127.0.0.1',
  port: kind === 'mysql' ? Number(process.env.MYSQL_PORT ?? 3316) : Number(process.env.MARIADB_PORT ?? 3307),
};
export const ON_MYSQL = kind === 'mysql';
export const ADMIN = { host: SOURCE.host, port: SOURCE.port, user: 'tributary_test', password: 'tributary_test' };
/** One row `p`: the GTID position at the end of the binlog (every transaction written so far). */
export const BINLOG_END_GTID_SQL = ON_MYSQL ? 'SELECT @@global.gtid_executed AS p' : 'SELECT @@gtid_binlog_pos AS p';
/** One transaction's GTID as `source.gtid` carries it: MariaDB's domain-server-seq, MySQL's uuid:number. */
export const ONE_GTID = ON_MYSQL ? /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:\d+$/ : /^\d+-\d+-\d+$/;
export const PIPELINE_USER = { host: SOURCE.host, port: SOURCE.port, user: 'tributary', password: 'tributary' };

/**
 * A row source of `seq` = 1..n for INSERT ... SELECT: MariaDB's sequence engine, or on MySQL
 * a cross join of digits (no recursion limit to raise).
 */
export function seqRows(n: number): string {
  if (!ON_MYSQL) return `seq_1_to_${n}`;
  const digits = Math.max(1, Math.ceil(Math.log10(n + 1)));
  const d = '(SELECT 0 n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';
  const terms = Array.from({ length: digits }, (_, i) => (i === 0 ? 'd0.n' : `${10 ** i} * d${i}.n`)).join(' + ');
  const joins = Array.from({ length: digits }, (_, i) => `${d} d${i}`).join(' CROSS JOIN ');
  return `(SELECT ${terms} + 1 AS seq FROM ${joins} HAVING seq <= ${n} ORDER BY seq) AS seq_rows`;
}
export const KAFKA_BROKERS = [`127.0.0.1:${process.env.KAFKA_PORT ?? 19092}`];

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** A replica server id no other test uses at the same time. */
export function uniqueServerId(): number {
  return 1000 + Math.floor(Math.random() * 4_000_000);
}

export async function adminConnection(database?: string): Promise<mysql.Connection> {
  const conn = await mysql.createConnection({ ...ADMIN, database, multipleStatements: true, supportBigNumbers: true, bigNumberStrings: true });
  if (ON_MYSQL) await trackOwnGtids(conn);
  return conn;
}

/** Creates a database owned by one test; `drop()` removes it. */
export async function ownDatabase(prefix: string): Promise<{ name: string; conn: mysql.Connection; drop(): Promise<void> }> {
  const name = uniqueName(prefix);
  const conn = await adminConnection();
  await conn.query(`CREATE DATABASE \`${name}\``);
  await conn.query(`USE \`${name}\``);
  return {
    name,
    conn,
    async drop() {
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}

export function testKafka(clientId = 'tributary-test'): Kafka {
  registerCompressionCodecs();
  return new Kafka({ clientId, brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
}

/** Deletes topics whose names start with the prefix; tests call it in their cleanup. */
export async function deleteTopics(kafka: Kafka, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}
