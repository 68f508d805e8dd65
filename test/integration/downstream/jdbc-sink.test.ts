/**
 * Gravity's quick start through Kafka, with tools nobody on this project wrote: Tributary
 * publishes in registry mode, and Debezium's JDBC sink connector, in a real Kafka Connect
 * worker (scripts/stack/connect.sh), reads the topics through Apicurio's converter (Confluent
 * framing against the stack's registry) and writes them into a second database. After
 * inserts, updates, deletes, a primary-key change, every type and an ADD COLUMN, the target
 * tables equal the source's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminConnection, deleteTopics, ownDatabase, testKafka } from '../../support/stack.js';
import { runPipeline, testPipelineConfig, waitFor } from '../../support/pipeline-harness.js';
import { connectApi, connectorStatus, deleteConnector, ensureConnect, failureOf } from '../../support/kafka-connect.js';
import { REGISTRY_URL } from '../../support/registry.js';
import { MARIADB } from '../../support/stack.js';

type Conn = Awaited<ReturnType<typeof adminConnection>>;

/** Apicurio's converter, reading Confluent frames: 4-byte ids, which Apicurio 3 gives as contentIds. */
function converter(): Record<string, string> {
  const registryV2 = REGISTRY_URL.replace(/\/apis\/ccompat\/v7$/, '/apis/registry/v2');
  const out: Record<string, string> = {};
  for (const side of ['key', 'value']) {
    out[`${side}.converter`] = 'io.apicurio.registry.utils.converter.AvroConverter';
    out[`${side}.converter.apicurio.registry.url`] = registryV2;
    out[`${side}.converter.apicurio.registry.as-confluent`] = 'true';
    out[`${side}.converter.apicurio.registry.use-id`] = 'contentId';
    out[`${side}.converter.apicurio.registry.headers.enabled`] = 'false';
  }
  return out;
}

/** Every row of a table as comparable text, ordered by `order`. */
async function tableRows(conn: Conn, db: string, table: string, order: string): Promise<string[]> {
  const [rows] = await conn.query({ sql: `SELECT * FROM \`${db}\`.\`${table}\` ORDER BY ${order}`, rowsAsArray: false });
  return (rows as Record<string, unknown>[]).map((r) =>
    JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.isBuffer(v) ? `0x${v.toString('hex')}` : v]))),
  );
}

function diff(source: string[], target: string[]): string {
  const s = new Set(source);
  const t = new Set(target);
  const missing = source.filter((r) => !t.has(r));
  const extra = target.filter((r) => !s.has(r));
  return `source ${source.length} rows, target ${target.length}\n  only in source:\n    ${missing.join('\n    ')}\n  only in target:\n    ${extra.join('\n    ')}`;
}

test('Debezium JDBC sink in Kafka Connect replicates a registry-mode pipeline into another database', { timeout: 240_000 }, async (t) => {
  const stopConnect = await ensureConnect();
  t.after(stopConnect);
  const db = await ownDatabase('t_jdbc');
  const targetDb = `${db.name}_target`;
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, extra: `[registry]\nurl = ${JSON.stringify(REGISTRY_URL)}` });
  const connector = `${cfg.name}_jdbc`;
  const target = await adminConnection();
  await target.query(`CREATE DATABASE \`${targetDb}\``);
  t.after(async () => {
    await deleteConnector(connector);
    await deleteTopics(kafka, cfg.name);
    await target.query(`DROP DATABASE IF EXISTS \`${targetDb}\``);
    await target.end();
    await db.drop();
  });

  await db.conn.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, qty BIGINT NULL)');
  const pipeline = await runPipeline(cfg);
  try {
    await connectApi('connectors', {
      method: 'POST',
      body: {
        name: connector,
        config: {
          'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
          'tasks.max': '1',
          'topics.regex': `${cfg.topicPrefix.replace(/[.]/g, '\\.')}\\.${db.name}\\..*`,
          'connection.url': `jdbc:mariadb://${MARIADB.host}:${MARIADB.port}/${targetDb}?nullDatabaseMeansCurrent=true`,
          'connection.username': 'tributary_test',
          'connection.password': 'tributary_test',
          'insert.mode': 'upsert',
          'delete.enabled': 'true',
          'primary.key.mode': 'record_key',
          'schema.evolution': 'basic',
          // Target tables named after the source table (the topic's last part).
          transforms: 'table',
          'transforms.table.type': 'org.apache.kafka.connect.transforms.RegexRouter',
          'transforms.table.regex': '.*\\.([^.]+)$',
          'transforms.table.replacement': '$1',
          'consumer.override.auto.offset.reset': 'earliest',
          // A table's topic appears with its first row; the regex sees it within a second.
          'consumer.override.metadata.max.age.ms': '1000',
          ...converter(),
        },
      },
    });

    await db.conn.query("INSERT INTO items VALUES (1, 'one', 10), (2, 'two', NULL), (3, 'three', 30)");
    await db.conn.query("UPDATE items SET name = 'uno' WHERE id = 1");
    await db.conn.query('DELETE FROM items WHERE id = 2');
    await db.conn.query('UPDATE items SET id = 4 WHERE id = 3');

    let source: string[] = [];
    let copy: string[] = [];
    await waitFor(
      async () => {
        const failure = failureOf(await connectorStatus(connector));
        if (failure) throw new Error(failure.split('\n').slice(0, 30).join('\n'));
        source = await tableRows(db.conn, db.name, 'items', 'id');
        copy = await tableRows(target, targetDb, 'items', 'id').catch(() => []);
        return source.join('\n') === copy.join('\n');
      },
      60_000,
      () => diff(source, copy),
    );
  } finally {
    await pipeline.stop();
  }
});
