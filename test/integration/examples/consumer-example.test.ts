/**
 * examples/consumer.ts, run as a reader would run it, against a real pipeline's output:
 * it must decode every change with kafkajs and avsc alone, longs beyond 2^53 included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { ownDatabase, testKafka, deleteTopics, KAFKA_BROKERS } from '../../support/stack.js';
import { readTopics } from '../../support/topic-reader.js';
import { runPipeline, testPipelineConfig, waitFor } from '../../support/pipeline-harness.js';

const REPO = new URL('../../..', import.meta.url).pathname;

function runExample(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/consumer.ts', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

test('the consumer example prints every change of a table topic as JSON lines', async (t) => {
  const db = await ownDatabase('t_example');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query(`CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, price DECIMAL(10,2),
    big BIGINT UNSIGNED, at DATETIME(6), raw VARBINARY(4), note TEXT)`);
  const pipeline = await runPipeline(cfg);
  const topic = cfg.topicFor('items');
  try {
    await db.conn.query("INSERT INTO items VALUES (1, 'café 😀', 12.50, 18446744073709551615, '9999-12-31 23:59:59.999999', x'c301', NULL)");
    await db.conn.query("INSERT INTO items VALUES (2, 'two', -0.01, 0, '1969-12-31 23:59:59.999999', '', 'x')");
    await db.conn.query('UPDATE items SET price = 13.75 WHERE id = 1');
    await db.conn.query('DELETE FROM items WHERE id = 2');
    await waitFor(async () => (await readTopics(kafka, [topic])).length >= 5, 30_000, () => `waiting for 5 messages on ${topic}`);
  } finally {
    await pipeline.stop();
  }

  const row1 = { id: 1, name: 'café 😀', price: '04e2', big: '00ffffffffffffffff', at: '253402300799999999', raw: 'c301', note: null };
  const row2 = { id: 2, name: 'two', price: 'ff', big: '00', at: '-1', raw: '', note: 'x' };
  const expected = [
    { op: 'c', key: { id: 1 }, before: null, after: row1 },
    { op: 'c', key: { id: 2 }, before: null, after: row2 },
    { op: 'u', key: { id: 1 }, before: row1, after: { ...row1, price: '055f' } },
    { op: 'd', key: { id: 2 }, before: row2, after: null },
    { tombstone: true, key: { id: 2 } },
  ];

  const all = await runExample([KAFKA_BROKERS.join(','), cfg.schemasTopic, topic, '5', '30000']);
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(all.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown), expected);

  // Stops after the number of messages asked for, and says so when the topic has fewer.
  const three = await runExample([KAFKA_BROKERS.join(','), cfg.schemasTopic, topic, '3', '30000']);
  assert.equal(three.code, 0, three.stderr);
  assert.deepEqual(three.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown), expected.slice(0, 3));
  const more = await runExample([KAFKA_BROKERS.join(','), cfg.schemasTopic, topic, '6', '8000']);
  assert.equal(more.code, 2);
  assert.match(more.stderr, /timed out after 8000 ms with 5 of 6 messages/);
  assert.equal(more.stdout.trimEnd().split('\n').length, 5);
});
