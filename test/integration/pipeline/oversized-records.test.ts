/**
 * Records against Kafka's size limit (kafka.max_message_bytes, kafka.oversized): a row too
 * large for the broker must stop the pipeline with a message naming it, or be skipped or
 * truncated as configured, and many small rows must never add up to a request the broker
 * refuses. All against the real broker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownDatabase, testKafka, deleteTopics } from '../../support/stack.js';
import { spawnTributary, testPipelineConfig, waitFor } from '../../support/pipeline-harness.js';
import { topicSize } from '../../support/topic-size.js';

test('a 3000-row transaction of ~2 KB rows passes with the default config (requests bounded by bytes)', { timeout: 120_000 }, async (t) => {
  const db = await ownDatabase('t_2kb');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE t (id INT PRIMARY KEY, body VARCHAR(4000) NOT NULL)');
  const run = spawnTributary(['start', '--config', cfg.file]);
  t.after(() => void run.child.kill('SIGKILL'));
  await waitFor(() => run.child.exitCode !== null || run.output().includes('streaming the binlog'), 30_000, run.output);
  await db.conn.query("INSERT INTO t SELECT seq, REPEAT('x', 2000) FROM seq_1_to_3000");
  let size = 0;
  await waitFor(
    async () => {
      if (run.child.exitCode !== null) throw new Error(`pipeline died:\n${run.output().slice(-3000)}`);
      size = await topicSize(kafka, cfg.topicFor('t'));
      return size >= 3000;
    },
    60_000,
    () => `${size} of 3000 messages`,
  );
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0, run.output().slice(-2000));
  assert.equal(size, 3000);
});
