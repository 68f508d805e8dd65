/**
 * Registry-mode output read by decoders nobody on this project wrote, in the Confluent
 * framing: Apache Avro Java (schema fetched by id over java.net.http, GenericDatumReader)
 * and fastavro (urllib, schemaless_reader), each asking the local stack's registry for the
 * ids in the frames themselves. The scenario and the comparison with MariaDB's own rows are
 * those of the single-object test (test/support/every-type-scenario.ts): every type, TIME
 * at +-838:59:59, BIGINT UNSIGNED max, a DECIMAL's scale changed by ALTER.
 */
process.env.TZ = 'Asia/Kolkata';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownDatabase, testKafka, deleteTopics } from '../../../support/stack.js';
import { readTopics, type RawRecord } from '../../../support/topic-reader.js';
import { runPipeline, testPipelineConfig, waitFor } from '../../../support/pipeline-harness.js';
import { assertDecodedExactly, EVERY_TYPE_DDL, EVERY_TYPE_RECORDS, writeEveryTypeScenario } from '../../../support/every-type-scenario.js';
import { decodeWith, type DecoderMessage, type StandardDecoder } from '../../../support/standard-decoders.js';
import { frameSchemaId, REGISTRY_URL, registryApi } from '../../../support/registry.js';

test('registry mode: Avro Java and fastavro fetch each schema id from the registry and decode every key and value exactly, across a DECIMAL scale change', async (t) => {
  const db = await ownDatabase('t_stdreg');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, extra: `[registry]\nurl = ${JSON.stringify(REGISTRY_URL)}\nretry_max_ms = 20000` });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query(EVERY_TYPE_DDL);
  await db.conn.query("SET SESSION time_zone = '+00:00'");

  const pipeline = await runPipeline(cfg);
  const topic = cfg.topicFor('every_type');
  let records: RawRecord[] = [];
  let expected;
  try {
    expected = await writeEveryTypeScenario(db, () =>
      waitFor(async () => (records = await readTopics(kafka, [topic])).length >= EVERY_TYPE_RECORDS, 30_000, () => `${records.length} of ${EVERY_TYPE_RECORDS} records`),
    );
  } finally {
    await pipeline.stop();
  }
  assert.equal(records.length, EVERY_TYPE_RECORDS);

  // The frames carry the registry's ids: the ALTER is version 2 of the value subject, the key kept its one id.
  const v1 = await registryApi<{ id: number }>(`subjects/${topic}-value/versions/1`);
  const v2 = await registryApi<{ id: number }>(`subjects/${topic}-value/versions/2`);
  const key = await registryApi<{ id: number }>(`subjects/${topic}-key/versions/1`);
  assert.deepEqual(await registryApi<number[]>(`subjects/${topic}-value/versions`), [1, 2]);
  assert.deepEqual(
    records.map((r) => (r.value ? frameSchemaId(r.value) : null)),
    [v1.id, v1.id, v1.id, v1.id, v2.id, v2.id, v2.id, v2.id, v2.id, null],
  );
  assert.deepEqual(new Set(records.map((r) => frameSchemaId(r.key!))), new Set([key.id]));

  const messages: DecoderMessage[] = records.map((r, i) => ({ id: String(i), key: r.key, value: r.value, keyReader: null, valueReader: null }));
  for (const decoder of ['avro-java', 'fastavro'] as StandardDecoder[]) {
    const started = Date.now();
    const out = await decodeWith(decoder, { confluent: REGISTRY_URL }, [], messages);
    t.diagnostic(`${decoder}: ${out.length} Confluent frames, 3 schema ids fetched, in ${Date.now() - started} ms`);
    assertDecodedExactly(out, expected, decoder);
  }
});
