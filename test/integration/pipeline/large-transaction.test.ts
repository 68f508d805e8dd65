/**
 * One transaction that updates 1,000,000 rows streams through with bounded memory. The
 * pipeline process runs with a V8 heap (128 MiB) far smaller than the transaction's
 * events would need if they were held at once, so buffering the transaction whole, or
 * reading the binlog faster than Kafka acks, crashes it with an out-of-memory error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownDatabase, testKafka, deleteTopics } from '../../support/stack.js';
import { spawnTributary, testPipelineConfig, waitFor } from '../../support/pipeline-harness.js';
import { topicSize } from '../../support/topic-size.js';

const ROWS = 1_000_000;

test('a 1,000,000-row transaction streams through a 128 MiB heap', { timeout: 600_000 }, async (t) => {
  const db = await ownDatabase('t_bigtxn');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE t (id INT PRIMARY KEY, n INT NOT NULL, label VARCHAR(32) NOT NULL)');
  await db.conn.query(`INSERT INTO t SELECT seq, 0, CONCAT('row-', seq) FROM seq_1_to_${ROWS}`);
  const run = spawnTributary(['start', '--config', cfg.file], { NODE_OPTIONS: '--max-old-space-size=128' });
  t.after(() => void run.child.kill('SIGKILL'));
  await waitFor(() => run.output().includes('streaming the binlog'), 30_000, run.output);

  await db.conn.query('UPDATE t SET n = n + 1');
  let size = 0;
  await waitFor(
    async () => {
      if (run.child.exitCode !== null) throw new Error(`pipeline died:\n${run.output().slice(-2000)}`);
      size = await topicSize(kafka, cfg.topicFor('t'));
      return size >= ROWS;
    },
    240_000,
    () => `${size} of ${ROWS} messages`,
  );
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0, run.output().slice(-2000));
  assert.equal(size, ROWS);
  assert.match(run.output(), /stopped; checkpoint at gtid/);
});
