/**
 * `tributary tail` against the real stack, as a user runs it (a child process): exact
 * values for a DECIMAL, BIGINT UNSIGNED's maximum, a BLOB and a NULL; --max and the end
 * taken at start; starting at the end by default; --follow until SIGINT; an exactly-once
 * topic (ending in commit markers) read to its end; an unknown topic named with the
 * pipeline's topics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deleteTopics, ownDatabase, testKafka } from '../../support/stack.js';
import { runPipeline, spawnTributary, testPipelineConfig, waitFor, type TestPipelineConfig } from '../../support/pipeline-harness.js';
import { readTopics } from '../../support/topic-reader.js';

async function tail(cfg: TestPipelineConfig, args: string[]): Promise<{ code: number | null; lines: Record<string, unknown>[]; output: string }> {
  const run = spawnTributary(['tail', '--config', cfg.file, ...args]);
  const code = await run.exited;
  const output = run.output();
  const lines = output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, lines, output };
}

test('tail prints each message exactly: decimal, BIGINT UNSIGNED max, blob, null, tombstone', async (t) => {
  const db = await ownDatabase('t_tail');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query(
    'CREATE TABLE items (id BIGINT UNSIGNED PRIMARY KEY, price DECIMAL(10,2) NOT NULL, big BIGINT NOT NULL, data BLOB, note VARCHAR(20) NULL, day DATE NULL)',
  );
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query("INSERT INTO items VALUES (18446744073709551615, 123.45, -9223372036854775808, x'00ff10', NULL, '2024-02-29')");
    await db.conn.query('DELETE FROM items');
    const topic = cfg.topicFor('items');
    await waitFor(async () => (await readTopics(kafka, [topic])).length === 3, 30_000);
  } finally {
    await pipeline.stop();
  }
  const topic = cfg.topicFor('items');

  const all = await tail(cfg, ['--table', `${db.name}.items`, '--from-beginning']);
  assert.equal(all.code, 0, all.output);
  assert.equal(all.lines.length, 3, all.output);
  const [insert, del, tombstone] = all.lines as { topic: string; partition: number; offset: string; timestamp: number; key: unknown; value: Record<string, any> | null; headers: unknown }[];
  assert.deepEqual(Object.keys(insert!), ['topic', 'partition', 'offset', 'timestamp', 'key', 'value', 'headers']);
  assert.equal(insert!.topic, topic);
  assert.equal(insert!.partition, 0);
  assert.equal(insert!.offset, '0');
  assert.equal(typeof insert!.timestamp, 'number');
  assert.deepEqual(insert!.headers, {});
  assert.deepEqual(insert!.key, { id: '18446744073709551615' });
  assert.equal(insert!.value!.op, 'c');
  assert.equal(insert!.value!.before, null);
  assert.deepEqual(insert!.value!.after, {
    id: '18446744073709551615',
    price: '123.45',
    big: '-9223372036854775808',
    data: Buffer.from([0x00, 0xff, 0x10]).toString('base64'),
    note: null,
    day: { days: 19782, iso: '2024-02-29' },
  });
  assert.equal(insert!.value!.source.db, db.name);
  assert.equal(typeof insert!.value!.source.pos, 'string', 'longs are strings');
  assert.equal(del!.offset, '1');
  assert.equal(del!.value!.op, 'd');
  assert.equal(del!.value!.before.price, '123.45');
  assert.deepEqual(tombstone!.key, { id: '18446744073709551615' });
  assert.equal(tombstone!.value, null);

  const two = await tail(cfg, ['--topic', topic, '--from-beginning', '--max', '2']);
  assert.equal(two.code, 0, two.output);
  assert.deepEqual(two.lines.map((l) => l['offset']), ['0', '1']);

  // Without --from-beginning it starts at the end; without --follow it stops there.
  const none = await tail(cfg, ['--topic', topic]);
  assert.equal(none.code, 0, none.output);
  assert.equal(none.lines.length, 0, none.output);
});

test('tail --follow prints new messages from the end until SIGINT, then exits 0', async (t) => {
  const db = await ownDatabase('t_tailf');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))');
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query("INSERT INTO t VALUES (1, 'old')");
    await waitFor(async () => (await readTopics(kafka, [cfg.topicFor('t')])).length === 1, 30_000);
    const run = spawnTributary(['tail', '--config', cfg.file, '--topic', cfg.topicFor('t'), '--follow']);
    try {
      // Whatever is written once tail has taken its start offsets is printed.
      await waitFor(() => run.output().includes('tail: following'), 30_000, run.output);
      await db.conn.query("INSERT INTO t VALUES (2, 'new')");
      await waitFor(() => run.output().includes('"new"'), 30_000, run.output);
      run.child.kill('SIGINT');
      assert.equal(await run.exited, 0, run.output());
      const lines = run.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { offset: string; value: { after: unknown } });
      assert.deepEqual(lines.map((l) => [l.offset, l.value.after]), [['1', { id: 2, v: 'new' }]], run.output());
    } finally {
      run.child.kill('SIGKILL');
    }
  } finally {
    await pipeline.stop();
  }
});

test('tail reads an exactly-once topic to its end (commit markers last) and stops', async (t) => {
  const db = await ownDatabase('t_taileo');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, kafka: { delivery: 'exactly_once' }, checkpoint: { store: 'kafka', topic: `${db.name}_cp` } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await deleteTopics(kafka, `${db.name}_cp`);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE t (id INT PRIMARY KEY)');
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query('INSERT INTO t VALUES (1), (2)');
    await waitFor(async () => (await readTopics(kafka, [cfg.topicFor('t')])).length === 2, 30_000);
  } finally {
    await pipeline.stop();
  }
  const started = Date.now();
  const res = await tail(cfg, ['--topic', cfg.topicFor('t'), '--from-beginning']);
  assert.equal(res.code, 0, res.output);
  assert.deepEqual(res.lines.map((l) => (l['key'] as { id: number }).id), [1, 2]);
  assert.ok(Date.now() - started < 20_000, 'did not wait for messages past the commit marker');
});

test('tail of a topic that does not exist names it and lists the pipeline\'s topics', async (t) => {
  const db = await ownDatabase('t_tailx');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE t (id INT PRIMARY KEY)');
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query('INSERT INTO t VALUES (1)');
    await waitFor(async () => (await readTopics(kafka, [cfg.topicFor('t')])).length === 1, 30_000);
  } finally {
    await pipeline.stop();
  }
  const res = await tail(cfg, ['--table', `${db.name}.missing`]);
  assert.equal(res.code, 1, res.output);
  assert.match(res.output, new RegExp(`topic ${cfg.topicFor('missing').replace(/\./g, '\\.')} does not exist`));
  assert.match(res.output, new RegExp(`fix: tail one of the pipeline's topics: .*${cfg.topicFor('t').replace(/\./g, '\\.')}`));
});
