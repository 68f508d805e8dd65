/**
 * Records against Kafka's size limit (kafka.max_message_bytes, kafka.oversized), on the real
 * broker: a row too large stops the pipeline with a message naming it, with the checkpoint
 * before it, or is skipped with a marker, or truncated, as configured; many small rows never
 * add up to a request the broker refuses; and the default limit sits where the broker's is.
 * Most tests use a 100000-byte limit and ~300 KB rows: the behaviour is the same as at 1 MiB.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { deleteTopics, ownDatabase, seqRows, testKafka } from '../../support/stack.js';
import { lastGtid } from '../../support/last-gtid.js';
import { runPipeline, spawnTributary, testPipelineConfig, waitFor, type TestPipelineConfig } from '../../support/pipeline-harness.js';
import { topicSize } from '../../support/topic-size.js';
import { readCheckpointFile } from '../../support/checkpoint-file.js';
import { gtidSeq } from '../../support/gtid-seq.js';
import { decoderFromSchemasTopic, readDecoded, readTopics, type DecodedRecord } from '../../support/topic-reader.js';
import { RecordSizeLimit } from '../../../src/sink/record-size-limit.js';
import { TributaryError } from '../../../src/errors/tributary-error.js';

type Db = Awaited<ReturnType<typeof ownDatabase>>;


/** The config with extra [kafka] keys (after those testPipelineConfig wrote), file rewritten. */
function withKafka(cfg: TestPipelineConfig, lines: string): TestPipelineConfig {
  const toml = cfg.toml.replace('\n[checkpoint]\n', `\n${lines}\n[checkpoint]\n`);
  writeFileSync(cfg.file, toml);
  return { ...cfg, toml };
}

async function records(kafka: ReturnType<typeof testKafka>, cfg: TestPipelineConfig, table: string, atLeast: number): Promise<DecodedRecord[]> {
  let got: DecodedRecord[] = [];
  await waitFor(async () => {
    got = await readDecoded(kafka, cfg.schemasTopic, [cfg.topicFor(table)]);
    return got.length >= atLeast;
  }, 30_000, () => `have ${got.length} of ${atLeast} records`);
  return got;
}

function summary(r: DecodedRecord): unknown[] {
  return [r.value?.op ?? 'tombstone', r.key, (r.value?.after as { body?: Buffer } | null)?.body?.length ?? null];
}

test('fail (default): a row over the limit stops `tributary start` (exit 1) naming table, key and size; the checkpoint is before it', { timeout: 120_000 }, async (t) => {
  const db = await ownDatabase('t_big_fail');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, kafka: { max_message_bytes: 100_000 } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE docs (id INT PRIMARY KEY, body LONGBLOB NOT NULL)');
  const run = spawnTributary(['start', '--config', cfg.file]);
  t.after(() => void run.child.kill('SIGKILL'));
  await waitFor(() => run.child.exitCode !== null || run.output().includes('streaming the binlog'), 30_000, run.output);
  await db.conn.query("INSERT INTO docs VALUES (1, 'small')");
  const g1 = await lastGtid(db.conn);
  await waitFor(async () => (await topicSize(kafka, cfg.topicFor('docs'))) === 1, 30_000, run.output);
  await db.conn.query("INSERT INTO docs VALUES (2, REPEAT('x', 300000))");
  const g2 = await lastGtid(db.conn);
  await db.conn.query("INSERT INTO docs VALUES (3, 'after')");

  assert.equal(await run.exited, 1, run.output());
  const out = run.output();
  const m = new RegExp(`a c change on ${db.name}\\.docs with key \\{"id":2\\} at gtid ${g2} \\([^)]+\\) is (\\d+) bytes as a Kafka record, over kafka\\.max_message_bytes \\(100000\\)`).exec(out);
  assert.ok(m, out);
  t.diagnostic(out.slice(out.indexOf('tributary: ')).trim());
  assert.ok(Number(m[1]) > 300_000 && Number(m[1]) < 300_400, m[1]);
  assert.match(out, /fix: raise the broker's message\.max\.bytes, the topic's max\.message\.bytes and kafka\.max_message_bytes together/);
  assert.match(out, /kafka\.oversized = "skip" or "truncate"/);
  const saved = readCheckpointFile(cfg.checkpointPath);
  assert.ok(saved, 'a checkpoint was saved');
  // Other tests' transactions may move it past g1, never to g2.
  assert.ok(gtidSeq(saved.position.gtid!) >= gtidSeq(g1), `${saved.position.gtid} is behind ${g1}`);
  assert.ok(gtidSeq(saved.position.gtid!) < gtidSeq(g2), `${saved.position.gtid} covers the oversized row ${g2}`);
  assert.equal(await topicSize(kafka, cfg.topicFor('docs')), 1, 'nothing after row 1 was published');

  // Choosing skip is the documented way out: the restart resumes before the row and moves on.
  const skipping = await runPipeline(withKafka(cfg, `oversized = "skip"\nskipped_topic = "${cfg.name}_skipped"`));
  try {
    const got = await records(kafka, cfg, 'docs', 2);
    assert.deepEqual(got.map(summary), [
      ['c', { id: 1 }, 5],
      ['c', { id: 3 }, 5],
    ]);
    assert.equal((await readTopics(kafka, [`${cfg.name}_skipped`])).length, 1);
  } finally {
    await skipping.stop();
  }
});

test('skip: the rows before and after are published, a marker names the skipped change, streaming goes on', { timeout: 120_000 }, async (t) => {
  const db = await ownDatabase('t_big_skip');
  const kafka = testKafka();
  const base = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, kafka: { max_message_bytes: 100_000, oversized: 'skip' } });
  const cfg = withKafka(base, `skipped_topic = "${base.name}_skipped"`);
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE docs (id INT PRIMARY KEY, body LONGBLOB NOT NULL)');
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query("INSERT INTO docs VALUES (1, 'small')");
    await db.conn.query('START TRANSACTION');
    await db.conn.query("INSERT INTO docs VALUES (2, REPEAT('x', 300000))");
    await db.conn.query("INSERT INTO docs VALUES (3, 'after')");
    await db.conn.query('COMMIT');
    const g2 = await lastGtid(db.conn);
    await db.conn.query('DELETE FROM docs WHERE id = 2');
    const g3 = await lastGtid(db.conn);
    await new Promise((r) => setTimeout(r, 500));
    await db.conn.query("INSERT INTO docs VALUES (4, 'later')");

    const got = await records(kafka, cfg, 'docs', 4);
    // The delete's tombstone still goes out, so a compacted topic drops the row.
    assert.deepEqual(got.map(summary), [
      ['c', { id: 1 }, 5],
      ['c', { id: 3 }, 5],
      ['tombstone', { id: 2 }, null],
      ['c', { id: 4 }, 5],
    ]);
    const markers = (await readTopics(kafka, [`${cfg.name}_skipped`])).map((r) => ({ key: r.key!.toString(), value: JSON.parse(r.value!.toString()) as Record<string, unknown> }));
    assert.equal(markers.length, 2);
    for (const [i, [op, gtid]] of ([['c', g2], ['d', g3]] as const).entries()) {
      const { key, value } = markers[i]!;
      assert.equal(key, `${db.name}.docs`);
      assert.equal(value.reason, 'oversized');
      assert.equal(value.pipeline, cfg.name);
      assert.equal(value.topic, cfg.topicFor('docs'));
      assert.equal(value.db, db.name);
      assert.equal(value.table, 'docs');
      assert.equal(value.op, op);
      assert.deepEqual(value.key, { id: 2 });
      assert.equal(value.max_message_bytes, 100_000);
      assert.ok((value.bytes as number) > 300_000, String(value.bytes));
      assert.equal((value.source as { gtid: string }).gtid, gtid);
    }
    const warnings = pipeline.logs.filter((l) => l.includes('WARN') && l.includes('skipped a '));
    assert.equal(warnings.length, 2, pipeline.logs.join(''));
    assert.match(warnings[0]!, new RegExp(`skipped a c change on ${db.name}\\.docs key \\{"id":2\\} at gtid ${g2} \\(.+\\): \\d+ bytes, over kafka\\.max_message_bytes \\(100000\\); marker on ${cfg.name}_skipped`));
  } finally {
    await pipeline.stop();
  }
});

test('truncate: the row is published cut to fit, with a tributary.truncated header and a warning', { timeout: 120_000 }, async (t) => {
  const db = await ownDatabase('t_big_trunc');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, kafka: { max_message_bytes: 100_000, oversized: 'truncate' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE docs (id INT PRIMARY KEY, title VARCHAR(50) NOT NULL, body LONGTEXT NOT NULL)');
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query("INSERT INTO docs VALUES (1, 'big', REPEAT('a', 300000)), (2, 'small', 'b')");
    const raw = await (async () => {
      let got: Awaited<ReturnType<typeof readTopics>> = [];
      await waitFor(async () => (got = await readTopics(kafka, [cfg.topicFor('docs')])).length >= 2, 30_000);
      return got;
    })();
    const decoder = await decoderFromSchemasTopic(kafka, cfg.schemasTopic);
    const [big, small] = raw;
    assert.deepEqual(big!.headers, { 'tributary.truncated': '{"after.body":300000}' });
    assert.deepEqual(small!.headers, {});
    const after = (decoder.decode(big!.value!).value as { after: { id: number; title: string; body: string } }).after;
    assert.equal(after.id, 1);
    assert.equal(after.title, 'big');
    assert.equal(after.body, 'a'.repeat(after.body.length));
    const limit = new RecordSizeLimit(100_000, 'none');
    const size = limit.recordBytes(big!.key, big!.value, big!.headers);
    assert.ok(size <= limit.maxRecordBytes && size > limit.maxRecordBytes - 4, `${size} of ${limit.maxRecordBytes}`);
    assert.equal((decoder.decode(small!.value!).value as { after: { body: string } }).after.body, 'b');
    const warning = pipeline.logs.find((l) => l.includes('truncated a c change'));
    assert.ok(warning, pipeline.logs.join(''));
    assert.match(warning, new RegExp(`truncated a c change on ${db.name}\\.docs key \\{"id":1\\} at gtid \\S+ \\(.+\\) from \\d+ to ${size} bytes to fit kafka\\.max_message_bytes \\(100000\\): after\\.body 300000 -> at most ${after.body.length} bytes`));
  } finally {
    await pipeline.stop();
  }
});

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
  await db.conn.query(`INSERT INTO t SELECT seq, REPEAT('x', 2000) FROM ${seqRows(3000)}`);
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

test("the default limit is the broker's: a row just under it is accepted, one over it is refused by the check, and by the broker when the check is lifted", { timeout: 180_000 }, async (t) => {
  const db = await ownDatabase('t_big_default');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE docs (id INT PRIMARY KEY, body LONGBLOB NOT NULL)');
  const limit = new RecordSizeLimit(1_048_576, 'none');
  const first = await runPipeline(cfg);
  let failure: unknown;
  try {
    // Measure what a row costs beyond its body, then write one that comes within a few bytes of the limit.
    await db.conn.query("INSERT INTO docs VALUES (1, REPEAT('p', 1000))");
    let raw: Awaited<ReturnType<typeof readTopics>> = [];
    await waitFor(async () => (raw = await readTopics(kafka, [cfg.topicFor('docs')])).length === 1, 30_000);
    const overhead = limit.recordBytes(raw[0]!.key, raw[0]!.value) - 1000;
    // +1: the body's length varint grows from 2 to 3 bytes; 16 bytes spare for longer GTIDs and positions.
    const near = limit.maxRecordBytes - overhead - 1 - 16;
    await db.conn.query('INSERT INTO docs VALUES (2, REPEAT(?, ?))', ['n', near]);
    await waitFor(async () => (raw = await readTopics(kafka, [cfg.topicFor('docs')])).length === 2, 30_000, () => first.logs.join(''));
    const nearBytes = limit.recordBytes(raw[1]!.key, raw[1]!.value);
    assert.ok(nearBytes > limit.maxRecordBytes - 40 && nearBytes <= limit.maxRecordBytes, `${nearBytes} of ${limit.maxRecordBytes}`);
    t.diagnostic(`a ${nearBytes}-byte record (limit ${limit.maxRecordBytes} + 61 batch bytes) was accepted by the broker`);

    await db.conn.query("INSERT INTO docs VALUES (3, REPEAT('o', 1100000))");
    await first.done.catch((err: unknown) => (failure = err));
  } finally {
    await first.stop().catch(() => undefined);
  }
  assert.ok(failure instanceof TributaryError, String(failure));
  assert.equal(failure.code, 'RECORD_TOO_LARGE');
  assert.match(failure.message, /key \{"id":3\}.* is \d+ bytes as a Kafka record, over kafka\.max_message_bytes \(1048576\)/);

  // Lift the check above the broker's default message.max.bytes: now the broker itself refuses, at once, not retried.
  const lifted = withKafka(cfg, 'max_message_bytes = 2097152');
  const lines = lifted.toml.replace(/retry_max_ms = \d+/, 'retry_max_ms = 60000');
  writeFileSync(lifted.file, lines);
  const started = Date.now();
  const second = await runPipeline({ ...lifted, toml: lines });
  let refusal: unknown;
  await second.done.catch((err: unknown) => (refusal = err));
  assert.ok(refusal instanceof TributaryError, String(refusal));
  assert.equal(refusal.code, 'KAFKA_MESSAGE_TOO_LARGE', refusal.message);
  assert.equal(refusal.retriable, false);
  assert.match(refusal.message, new RegExp(`topic ${cfg.topicFor('docs').replace(/\./g, '\\.')}; largest record \\d+ bytes`));
  assert.match(refusal.fix!, /max\.message\.bytes=2097152/);
  assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms: retried instead of failing at once`);
  assert.equal(second.logs.filter((l) => l.includes('retrying')).length, 0, second.logs.join(''));
  assert.equal(await topicSize(kafka, cfg.topicFor('docs')), 2);
});

test('a topic whose max.message.bytes is below kafka.max_message_bytes: the refusal is not retried and names the topic', { timeout: 120_000 }, async (t) => {
  const db = await ownDatabase('t_small_topic');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, kafka: { retry_max_ms: 60_000 } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: cfg.topicFor('docs'), numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '50000' }] }] });
  } finally {
    await admin.disconnect();
  }
  await db.conn.query('CREATE TABLE docs (id INT PRIMARY KEY, body LONGBLOB NOT NULL)');
  const run = spawnTributary(['start', '--config', cfg.file]);
  t.after(() => void run.child.kill('SIGKILL'));
  await waitFor(() => run.child.exitCode !== null || run.output().includes('streaming the binlog'), 30_000, run.output);
  const started = Date.now();
  await db.conn.query("INSERT INTO docs VALUES (1, REPEAT('x', 80000))");
  assert.equal(await run.exited, 1, run.output());
  assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms: retried instead of failing at once`);
  const out = run.output();
  assert.doesNotMatch(out, /retrying in/);
  t.diagnostic(out.slice(out.indexOf('tributary: ')).trim());
  assert.match(out, new RegExp(`the broker refused a record batch as too large \\(MESSAGE_TOO_LARGE: .*\\) \\(topic ${cfg.topicFor('docs').replace(/\./g, '\\.')}; largest record \\d+ bytes, request \\d+ bytes, kafka\\.max_message_bytes 1048576\\)`));
  assert.match(out, /fix: the topic or broker limit is below kafka\.max_message_bytes: raise the topic's max\.message\.bytes/);
});
