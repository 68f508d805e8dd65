/**
 * `kafka.compression` against the real broker, checked by readers and writers Tributary
 * did not write: for each codec, a pipeline's batches are read by Kafka's Java consumer
 * (same offsets, keys and values, byte for byte, as kafkajs reads them), the broker's log
 * segments on disk (DumpLogSegments) name that codec for every batch, and `tributary tail`
 * decodes every row exactly. The other way round, Kafka's Java producer writes the same
 * Avro records with each codec (and large values spanning many codec blocks), and
 * Tributary's reading path (the kafkajs consumer with its codecs, as tail, the Kafka
 * checkpoint store and the truncate-deletes reader use it) gets every byte back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { deleteTopics, ownDatabase, testKafka } from '../../support/stack.js';
import { readTopics, type RawRecord } from '../../support/topic-reader.js';
import { runPipeline, spawnTributary, testPipelineConfig, waitFor, type TestPipelineConfig } from '../../support/pipeline-harness.js';
import { dumpLogBatches, javaConsume, javaProduce } from '../../support/kafka-java-tools.js';

const ROWS = 300;
const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;

function body(i: number): string {
  // Compressible, like most row data, and different per row.
  return `row ${i} `.repeat(1 + (i % 20));
}

async function tail(cfg: TestPipelineConfig, topic: string, max = ROWS): Promise<{ offset: string; key: unknown; value: Record<string, any> | null }[]> {
  const run = spawnTributary(['tail', '--config', cfg.file, '--topic', topic, '--from-beginning', '--max', String(max)]);
  const code = await run.exited;
  assert.equal(code, 0, run.output());
  return run
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { offset: string; key: unknown; value: Record<string, any> | null });
}

function assertRows(lines: Awaited<ReturnType<typeof tail>>, what: string): void {
  assert.equal(lines.length, ROWS, what);
  lines.forEach((l, i) => {
    assert.equal(l.offset, String(i), what);
    assert.deepEqual(l.key, { id: i + 1 }, what);
    assert.equal(l.value!.op, 'c', what);
    assert.deepEqual(l.value!.after, { id: i + 1, body: body(i + 1) }, what);
  });
}

/** [offset, key hex, value hex] of records, to compare readers byte for byte. */
function bytesOf(records: { offset: bigint | string; key: Buffer | null; value: Buffer | null }[]): [string, string | null, string | null][] {
  return records.map((r) => [String(r.offset), r.key?.toString('hex') ?? null, r.value?.toString('hex') ?? null]);
}

for (const codec of CODECS) {
  test(`compression = "${codec}": Kafka's Java consumer reads the batches, the log segment says ${codec}, tail decodes every row`, async (t) => {
    const db = await ownDatabase(`t_codec_${codec}`);
    const kafka = testKafka();
    const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, kafka: { compression: codec } });
    t.after(async () => {
      await deleteTopics(kafka, cfg.name);
      await db.drop();
    });
    await db.conn.query('CREATE TABLE items (id INT PRIMARY KEY, body VARCHAR(400) NOT NULL)');
    const topic = cfg.topicFor('items');
    const pipeline = await runPipeline(cfg);
    let raw: RawRecord[] = [];
    try {
      // Three transactions (usually gathered into one produce request).
      for (let from = 1; from <= ROWS; from += 100) {
        const values = Array.from({ length: 100 }, (_, k) => `(${from + k}, '${body(from + k)}')`).join(',');
        await db.conn.query(`INSERT INTO items VALUES ${values}`);
      }
      await waitFor(async () => (raw = await readTopics(kafka, [topic])).length >= ROWS, 30_000, () => `${raw.length} of ${ROWS} records`);
    } finally {
      await pipeline.stop();
    }
    assert.equal(raw.length, ROWS);

    const java = await javaConsume(topic);
    assert.deepEqual(bytesOf(java), bytesOf(raw), "Kafka's Java consumer reads the same records as kafkajs");

    const batches = await dumpLogBatches(topic);
    assert.ok(batches.length >= 1);
    assert.deepEqual([...new Set(batches.map((b) => b.codec))], [codec], 'every batch on disk is compressed with the codec');
    assert.equal(batches.reduce((n, b) => n + b.count, 0), ROWS);
    const schemaBatches = await dumpLogBatches(cfg.schemasTopic);
    assert.deepEqual([...new Set(schemaBatches.map((b) => b.codec))], [codec], 'the schemas topic too');
    t.diagnostic(`${codec}: ${batches.length} batches, ${batches.reduce((n, b) => n + b.size, 0)} bytes on disk for ${raw.reduce((n, r) => n + r.key!.length + r.value!.length, 0)} bytes of keys and values`);

    assertRows(await tail(cfg, topic), `tail of ${topic}`);
  });
}

test("Kafka's Java producer writes every codec; Tributary's reader decompresses each batch exactly, and tail decodes the rows", async (t) => {
  const db = await ownDatabase('t_codec_java');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE items (id INT PRIMARY KEY, body VARCHAR(400) NOT NULL)');
  const topic = cfg.topicFor('items');
  const pipeline = await runPipeline(cfg);
  let rows: RawRecord[] = [];
  try {
    const values = Array.from({ length: ROWS }, (_, k) => `(${k + 1}, '${body(k + 1)}')`).join(',');
    await db.conn.query(`INSERT INTO items VALUES ${values}`);
    await waitFor(async () => (rows = await readTopics(kafka, [topic])).length >= ROWS, 30_000, () => `${rows.length} of ${ROWS} records`);
  } finally {
    await pipeline.stop();
  }

  // Besides the rows: a tombstone, incompressible bytes, and values of many codec blocks
  // (snappy-java frames 32 KiB blocks, Java's LZ4 64 KiB ones; zstd streams them).
  const others = [
    { key: Buffer.from('tombstone'), value: null },
    { key: Buffer.from('random'), value: randomBytes(70_000) },
    { key: Buffer.from('large'), value: Buffer.from('abcdefghij'.repeat(30_000)) },
    { key: null, value: Buffer.from('no key') },
  ];
  for (const codec of CODECS) {
    const javaTopic = `${cfg.topicPrefix}.java_${codec}`;
    const sent = [...rows.map((r) => ({ key: r.key, value: r.value })), ...others];
    const offsets = await javaProduce(javaTopic, codec, sent);
    assert.deepEqual(offsets.map((o) => o.offset), sent.map((_, i) => BigInt(i)));

    const batches = await dumpLogBatches(javaTopic);
    assert.deepEqual([...new Set(batches.map((b) => b.codec))], [codec], `the Java producer wrote ${codec} batches`);

    const read = await readTopics(kafka, [javaTopic]);
    assert.deepEqual(bytesOf(read), bytesOf(sent.map((r, i) => ({ ...r, offset: BigInt(i) }))), `${codec}: every record exactly`);

    // The rows come first; the other records are no Avro frames, so tail stops before them.
    assertRows(await tail(cfg, javaTopic), `tail of the Java producer's ${codec} topic`);
    t.diagnostic(`${codec}: ${batches.length} batches from the Java producer`);
  }
});
