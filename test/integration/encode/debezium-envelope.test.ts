/**
 * What Debezium's consumers dispatch on, read from real pipeline output: the Connect name
 * (and parameters) of every column in the published schema, and the source and transaction
 * blocks' fields and values, against a table of every type, first snapshotted and then
 * changed in one transaction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deleteTopics, ownDatabase, testKafka } from '../../support/stack.js';
import { decoderFromSchemasTopic, readDecoded, type DecodedRecord } from '../../support/topic-reader.js';
import { runPipeline, testPipelineConfig, waitFor } from '../../support/pipeline-harness.js';

/** Column DDL -> the Connect attributes Debezium's MySQL connector gives it through AvroData. */
const COLUMNS: [string, string, Record<string, unknown> | null][] = [
  ['ti', 'TINYINT', { 'connect.type': 'int16' }],
  ['i', 'INT', null],
  ['bu', 'BIGINT UNSIGNED', { 'connect.name': 'org.apache.kafka.connect.data.Decimal', 'connect.parameters': { scale: '0', 'connect.decimal.precision': '20' }, logicalType: 'decimal' }],
  ['d', 'DECIMAL(12,3)', { 'connect.name': 'org.apache.kafka.connect.data.Decimal', 'connect.parameters': { scale: '3', 'connect.decimal.precision': '12' }, logicalType: 'decimal' }],
  ['b10', 'BIT(10)', { 'connect.name': 'io.debezium.data.Bits', 'connect.parameters': { length: '10' } }],
  ['en', "ENUM('Small','it''s','x')", { 'connect.name': 'io.debezium.data.Enum', 'connect.parameters': { allowed: "Small,it's,x" } }],
  ['st', "SET('a','b')", { 'connect.name': 'io.debezium.data.EnumSet', 'connect.parameters': { allowed: 'a,b' } }],
  ['dt', 'DATE', { 'connect.name': 'org.apache.kafka.connect.data.Date', logicalType: 'date' }],
  ['dtm', 'DATETIME(6)', { 'connect.name': 'io.debezium.time.MicroTimestamp', logicalType: 'timestamp-micros' }],
  ['ts', 'TIMESTAMP(6) NULL', { 'connect.name': 'io.debezium.time.ZonedTimestamp' }],
  ['tm', 'TIME(6)', { 'connect.name': 'io.debezium.time.MicroTime' }],
  ['yr', 'YEAR', { 'connect.name': 'io.debezium.time.Year' }],
  ['vc', 'VARCHAR(10)', null],
  // Connect structs: AvroData writes a record named after the struct, its doc as connect.doc.
  ['pt', 'POINT', { 'connect.doc': 'Geometry (POINT)', 'connect.name': 'io.debezium.data.geometry.Point' }],
  ['pg', 'POLYGON', { 'connect.doc': 'Geometry', 'connect.name': 'io.debezium.data.geometry.Geometry' }],
];

function attributes(type: unknown): Record<string, unknown> | null {
  const t = Array.isArray(type) ? type.find((b) => b !== 'null') : type;
  if (typeof t !== 'object' || t === null) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t)) if (k.startsWith('connect.') && k !== 'connect.version' || k === 'logicalType') out[k] = v;
  return out;
}

test('the published schema names every column as Debezium does; source and transaction blocks as Debezium fills them', { timeout: 120_000 }, async (t) => {
  const db = await ownDatabase('t_dbzenv');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'initial' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query(`CREATE TABLE every_type (id INT PRIMARY KEY, ${COLUMNS.map(([n, ddl]) => `${n} ${ddl}`).join(', ')})`);
  await db.conn.query("INSERT INTO every_type (id, b10, en) VALUES (1, b'1000000001', 'it''s'), (2, NULL, 'Small')");
  const pipeline = await runPipeline(cfg);
  let records: DecodedRecord[] = [];
  try {
    await waitFor(async () => (records = await readDecoded(kafka, cfg.schemasTopic, [cfg.topicFor('every_type')])).length >= 2, 30_000);
    await db.conn.query('START TRANSACTION');
    await db.conn.query("INSERT INTO every_type (id, b10) VALUES (3, b'11')");
    await db.conn.query('UPDATE every_type SET i = 7 WHERE id = 1');
    await db.conn.query('COMMIT');
    await waitFor(async () => (records = await readDecoded(kafka, cfg.schemasTopic, [cfg.topicFor('every_type')])).length >= 4, 30_000);
  } finally {
    await pipeline.stop();
  }

  const decoder = await decoderFromSchemasTopic(kafka, cfg.schemasTopic);
  const envelope = JSON.parse(decoder.schemaJson(records[0]!.valueFingerprint!)!) as { fields: { name: string; type: unknown }[] };
  assert.deepEqual(envelope.fields.map((f) => f.name), ['before', 'after', 'source', 'op', 'ts_ms', 'ts_us', 'ts_ns', 'transaction']);
  const row = (envelope.fields[0]!.type as [string, { fields: { name: string; type: unknown }[] }])[1];
  assert.deepEqual(
    row.fields.map((f) => [f.name, attributes(f.type)]),
    [['id', null], ...COLUMNS.map(([n, , a]) => [n, a])],
  );

  const source = envelope.fields[2]!.type as { 'connect.name': string; fields: { name: string }[] };
  assert.equal(source['connect.name'], 'io.debezium.connector.mysql.Source');
  assert.deepEqual(source.fields.map((f) => f.name), [
    'version', 'connector', 'name', 'ts_ms', 'snapshot', 'db', 'sequence', 'ts_us', 'ts_ns',
    'table', 'server_id', 'gtid', 'file', 'pos', 'row', 'thread', 'query',
  ]);
  const tx = (envelope.fields[7]!.type as [string, { 'connect.name': string; fields: { name: string; type: string }[] }])[1];
  assert.equal(tx['connect.name'], 'event.block');
  assert.deepEqual(tx.fields.map((f) => [f.name, f.type]), [['id', 'string'], ['total_order', 'long'], ['data_collection_order', 'long']]);

  // One table, planned: its two reads are the whole snapshot's first and last.
  assert.deepEqual(records.map((r) => [r.value!.op, r.value!.source.snapshot]), [['r', 'first'], ['r', 'last'], ['c', 'false'], ['u', 'false']]);
  // BIT(10) b'1000000001' little-endian, as Debezium publishes it.
  assert.deepEqual(records[0]!.value!.after!.b10, Buffer.from([0x01, 0x02]));
  for (const r of records) {
    const s = r.value!.source;
    assert.equal(s.connector, 'mysql');
    assert.equal(s.name, cfg.name);
    assert.equal(s.sequence, null);
    assert.equal(s.ts_us, BigInt(s.ts_ms as bigint) * 1000n);
    // Null on purpose: epoch nanoseconds pass 2^53 and avsc's default long rejects the record.
    assert.equal(s.ts_ns, null);
    assert.equal(r.value!.ts_us, BigInt(r.value!.ts_ms as bigint) * 1000n);
    assert.equal(r.value!.ts_ns, null);
  }
  const [c, u] = [records[2]!.value!, records[3]!.value!];
  assert.ok(typeof c.source.file === 'string' && (c.source.file as string).length > 0);
  assert.equal(c.source.gtid, u.source.gtid);
  assert.deepEqual(c.transaction, { id: c.source.gtid, total_order: 1n, data_collection_order: 1n });
  assert.deepEqual(u.transaction, { id: c.source.gtid, total_order: 2n, data_collection_order: 2n });
});
