/**
 * Real pipeline output read by decoders nobody on this project wrote: Apache Avro Java's
 * BinaryMessageDecoder (with every schemas-topic schema in a SchemaStore) and fastavro, in
 * single-object framing. Every key and row image they print is compared with the row as
 * MariaDB itself returns it at that moment: every type of the type table (TIME at
 * +-838:59:59, BIGINT UNSIGNED max, DECIMAL(65,30) ...), and messages on both sides of an
 * ALTER that changes only a DECIMAL's scale (test/support/every-type-scenario.ts). The
 * same in the Confluent framing: test/integration/encode/registry/standard-decoders.test.ts.
 */
process.env.TZ = 'Asia/Kolkata';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownDatabase, testKafka, deleteTopics } from '../../support/stack.js';
import { readTopics, type RawRecord } from '../../support/topic-reader.js';
import { runPipeline, testPipelineConfig, waitFor } from '../../support/pipeline-harness.js';
import { assertDecodedExactly, EVERY_TYPE_DDL, EVERY_TYPE_RECORDS, writeEveryTypeScenario } from '../../support/every-type-scenario.js';
import { decodeWith, type DecoderMessage, type StandardDecoder } from '../../support/standard-decoders.js';
import { frameFingerprint } from '../../../src/encode/single-object-frame.js';
import { fingerprintToHex } from '../../../src/encode/rabin-fingerprint.js';

test('Avro Java BinaryMessageDecoder and fastavro decode every key and value exactly, across a DECIMAL scale change', async (t) => {
  const db = await ownDatabase('t_stddec');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query(EVERY_TYPE_DDL);
  await db.conn.query("SET SESSION time_zone = '+00:00'");

  const pipeline = await runPipeline(cfg);
  let records: RawRecord[] = [];
  let expected;
  try {
    expected = await writeEveryTypeScenario(db, () =>
      waitFor(async () => (records = await readTopics(kafka, [cfg.topicFor('every_type')])).length >= EVERY_TYPE_RECORDS, 30_000, () => `${records.length} of ${EVERY_TYPE_RECORDS} records`),
    );
  } finally {
    await pipeline.stop();
  }
  assert.equal(records.length, EVERY_TYPE_RECORDS);

  // Every schema on the schemas topic, in its order; each message's read schema is its writer's.
  const schemaRecords = await readTopics(kafka, [cfg.schemasTopic]);
  const schemas = schemaRecords.map((r) => r.value!.toString());
  const indexOf = new Map(schemaRecords.map((r, i) => [r.key!.toString(), i]));
  const reader = (frame: Buffer | null) => (frame ? indexOf.get(fingerprintToHex(frameFingerprint(frame)))! : null);
  const messages: DecoderMessage[] = records.map((r, i) => ({ id: String(i), key: r.key, value: r.value, keyReader: reader(r.key), valueReader: reader(r.value) }));
  assert.ok(messages.every((m) => m.keyReader !== undefined && m.valueReader !== undefined), 'every frame names a schema on the schemas topic');
  assert.equal(new Set(messages.slice(0, 4).map((m) => m.valueReader)).size, 1);
  assert.notEqual(messages[4]!.valueReader, messages[0]!.valueReader, 'the rescaled table has a schema of its own');
  assert.equal(new Set(messages.map((m) => m.keyReader)).size, 1, 'the key schema did not change');

  for (const decoder of ['avro-java', 'fastavro'] as StandardDecoder[]) {
    const started = Date.now();
    const out = await decodeWith(decoder, 'single-object', schemas, messages);
    t.diagnostic(`${decoder}: ${out.length} messages, ${schemas.length} schemas in ${Date.now() - started} ms`);
    assertDecodedExactly(out, expected, decoder);
  }
});
