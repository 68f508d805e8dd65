/**
 * Where the real local stack (scripts/stack/) listens, and small helpers that give
 * each test its own database and topics. No stand-ins: these talk to the real servers.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { Kafka, logLevel } from 'kafkajs';

export const MARIADB = {
  host: '127.0.0.1',
  port: Number(process.env.MARIADB_PORT ?? 3307),
};
export const ADMIN = { ...MARIADB, user: 'tributary_test', password: 'tributary_test' };
export const PIPELINE_USER = { ...MARIADB, user: 'tributary', password: 'tributary' };
export const KAFKA_BROKERS = [`127.0.0.1:${process.env.KAFKA_PORT ?? 19092}`];

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** A replica server id no other test uses at the same time. */
export function uniqueServerId(): number {
  return 1000 + Math.floor(Math.random() * 4_000_000);
}

export async function adminConnection(database?: string): Promise<mysql.Connection> {
  return mysql.createConnection({ ...ADMIN, database, multipleStatements: true, supportBigNumbers: true, bigNumberStrings: true });
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
