/**
 * A MySQL server restart and binlog rotations (FLUSH BINARY LOGS) under a streaming
 * pipeline, on a MySQL server of the test's own (gtid_mode=ON): the binlog connection is
 * reopened after the last delivered transaction, rotations are followed, and every row
 * arrives exactly once, in commit order. (The MariaDB restart is in
 * test/integration/pipeline/outage-recovery.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type mysql from 'mysql2/promise';
import { ON_MYSQL, deleteTopics, testKafka } from '../../../support/stack.js';
import { runPipeline, testPipelineConfig, waitFor } from '../../../support/pipeline-harness.js';
import { readPositioned } from '../../../support/topic-reader.js';
import { DedicatedMysql } from '../../../support/dedicated-mysql.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a MySQL restart and binlog rotations while streaming: every row once, in order', { skip: ON_MYSQL ? false : 'a MySQL server restart (MariaDB: test/integration/pipeline/outage-recovery.test.ts)', timeout: 180_000 }, async (t) => {
  const server = new DedicatedMysql({ instance: 't-restart', port: 3320, serverId: 9, gtidMode: 'ON' });
  const kafka = testKafka();
  const db = `t_myrestart_${Date.now().toString(36)}`;
  const cfg = testPipelineConfig({ db, source: { port: server.port, retry_max_ms: 60_000 }, snapshot: { mode: 'never' } });
  let conn: mysql.Connection | null = null;
  t.after(async () => {
    await conn?.end().catch(() => undefined);
    await deleteTopics(kafka, cfg.name);
    await server.destroy();
  });
  await server.destroy();
  await server.up();
  conn = await server.connect();
  await conn.query(`CREATE DATABASE ${db}; CREATE TABLE ${db}.t (id INT PRIMARY KEY, v CHAR(1) NOT NULL)`);
  const run = await runPipeline(cfg);
  const topic = cfg.topicFor('t');
  let id = 0;
  const write = async (n: number, flushEvery: number) => {
    for (let i = 0; i < n; i++) {
      id++;
      await conn!.query(`INSERT INTO ${db}.t VALUES (?, 'x')`, [id]);
      if (id % flushEvery === 0) await conn!.query('FLUSH BINARY LOGS');
    }
  };
  try {
    await write(60, 20);
    await server.down();
    await sleep(1_000);
    await server.up();
    conn = await server.connect();
    await write(60, 25);
    await waitFor(async () => (await readPositioned(kafka, cfg.schemasTopic, [topic])).length >= id, 90_000, () => run.logs.join(''));
    await sleep(1_000);
    const records = await readPositioned(kafka, cfg.schemasTopic, [topic]);
    assert.deepEqual(records.map((r) => r.value!.after!.id), Array.from({ length: 120 }, (_, i) => i + 1), 'every row once, in order');
    assert.deepEqual(records.map((r) => r.value!.op), Array(120).fill('c'));
    // Flushes after rows 20, 40, 60 (file 4 stays empty), the restart opens file 5, flushes after 75 and 100.
    assert.deepEqual(
      [...new Set(records.map((r) => r.value!.source.file))],
      ['binlog.000001', 'binlog.000002', 'binlog.000003', 'binlog.000005', 'binlog.000006', 'binlog.000007'],
    );
    const logs = run.logs.join('');
    assert.equal(logs.match(/WARN .*binlog connection unavailable: /g)?.length, 1, logs);
    assert.equal(logs.match(/INFO .*binlog connection available again after [\d.]+ s/g)?.length, 1, logs);
  } finally {
    await run.stop();
  }
});
