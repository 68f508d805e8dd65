/**
 * End to end against the real stack: changes written to MariaDB appear on per-table Kafka
 * topics, in commit order, decodable with nothing but Kafka (the schemas topic).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deleteTopics, ownDatabase, testKafka } from '../../support/stack.js';
import { lastGtid } from '../../support/last-gtid.js';
import { readDecoded, type DecodedRecord } from '../../support/topic-reader.js';
import { runPipeline, testPipelineConfig, waitFor } from '../../support/pipeline-harness.js';
import { decodeDecimal } from '../../support/decimal.js';

type Db = Awaited<ReturnType<typeof ownDatabase>>;


async function records(kafka: ReturnType<typeof testKafka>, schemasTopic: string, topics: string[], atLeast: number): Promise<DecodedRecord[]> {
  let got: DecodedRecord[] = [];
  await waitFor(async () => {
    got = await readDecoded(kafka, schemasTopic, topics);
    return got.length >= atLeast;
  }, 30_000, () => `have ${got.length} of ${atLeast} records`);
  return got;
}

/** op, key, before, after of a record, compactly. */
function summary(r: DecodedRecord): unknown[] {
  return [r.value?.op ?? 'tombstone', r.key, r.value?.before ?? null, r.value?.after ?? null];
}

test('inserts, updates and deletes, multi-row statements and multi-table transactions', async (t) => {
  const db = await ownDatabase('t_stream');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE orders (id INT PRIMARY KEY, qty INT NOT NULL, note VARCHAR(20) NULL)');
  await db.conn.query('CREATE TABLE order_lines (order_id INT, line INT, sku VARCHAR(10) NOT NULL, PRIMARY KEY (order_id, line))');
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query("INSERT INTO orders VALUES (1, 1, 'one'), (2, 2, NULL), (3, 3, 'three')");
    const g1 = await lastGtid(db.conn);
    await db.conn.query('UPDATE orders SET qty = qty * 10 WHERE id IN (1, 2)');
    const g2 = await lastGtid(db.conn);
    await db.conn.query('START TRANSACTION');
    await db.conn.query("INSERT INTO order_lines VALUES (1, 1, 'A'), (1, 2, 'B')");
    await db.conn.query('DELETE FROM orders WHERE id = 3');
    await db.conn.query("UPDATE order_lines SET sku = 'C' WHERE order_id = 1 AND line = 2");
    await db.conn.query('COMMIT');
    const g3 = await lastGtid(db.conn);

    const orders = await records(kafka, cfg.schemasTopic, [cfg.topicFor('orders')], 7);
    assert.deepEqual(orders.map(summary), [
      ['c', { id: 1 }, null, { id: 1, qty: 1, note: 'one' }],
      ['c', { id: 2 }, null, { id: 2, qty: 2, note: null }],
      ['c', { id: 3 }, null, { id: 3, qty: 3, note: 'three' }],
      ['u', { id: 1 }, { id: 1, qty: 1, note: 'one' }, { id: 1, qty: 10, note: 'one' }],
      ['u', { id: 2 }, { id: 2, qty: 2, note: null }, { id: 2, qty: 20, note: null }],
      ['d', { id: 3 }, { id: 3, qty: 3, note: 'three' }, null],
      ['tombstone', { id: 3 }, null, null],
    ]);
    assert.deepEqual(orders.slice(0, 6).map((r) => r.value!.source.gtid), [g1, g1, g1, g2, g2, g3]);
    assert.deepEqual(orders.slice(0, 3).map((r) => r.value!.source.row), [0, 1, 2]);
    for (const r of orders.slice(0, 6)) {
      assert.equal(r.value!.source.db, db.name);
      assert.equal(r.value!.source.table, 'orders');
      assert.equal(r.value!.source.snapshot, 'false');
      assert.equal(r.value!.source.name, cfg.name);
      assert.equal(r.value!.source.connector, 'mysql');
      assert.equal(r.value!.source.server_id, 1n);
    }

    const lines = await records(kafka, cfg.schemasTopic, [cfg.topicFor("order_lines")], 3);
    assert.deepEqual(lines.map(summary), [
      ['c', { order_id: 1, line: 1 }, null, { order_id: 1, line: 1, sku: 'A' }],
      ['c', { order_id: 1, line: 2 }, null, { order_id: 1, line: 2, sku: 'B' }],
      ['u', { order_id: 1, line: 2 }, { order_id: 1, line: 2, sku: 'B' }, { order_id: 1, line: 2, sku: 'C' }],
    ]);
    // One transaction across two tables: total order spans both, data_collection_order is per table.
    assert.deepEqual(
      [lines[0], lines[1], orders[5], lines[2]].map((r) => r!.value!.transaction),
      [
        { id: g3, total_order: 1n, data_collection_order: 1n },
        { id: g3, total_order: 2n, data_collection_order: 2n },
        { id: g3, total_order: 3n, data_collection_order: 1n },
        { id: g3, total_order: 4n, data_collection_order: 3n },
      ],
    );
  } finally {
    await pipeline.stop();
  }
});

test('an update of the primary key is a delete of the old key, a tombstone, then a create', async (t) => {
  const db = await ownDatabase('t_pk');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(5))');
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query("INSERT INTO t VALUES (1, 'x')");
    await db.conn.query('UPDATE t SET id = 2 WHERE id = 1');
    const got = await records(kafka, cfg.schemasTopic, [cfg.topicFor('t')], 4);
    assert.deepEqual(got.map(summary), [
      ['c', { id: 1 }, null, { id: 1, v: 'x' }],
      ['d', { id: 1 }, { id: 1, v: 'x' }, null],
      ['tombstone', { id: 1 }, null, null],
      ['c', { id: 2 }, null, { id: 2, v: 'x' }],
    ]);
  } finally {
    await pipeline.stop();
  }
});

test('tombstones = false sends deletes without tombstones; a table without a key gets null keys', async (t) => {
  const db = await ownDatabase('t_nokey');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, kafka: { tombstones: false }, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE k (id INT PRIMARY KEY)');
  await db.conn.query('CREATE TABLE nk (v INT)');
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query('INSERT INTO k VALUES (1)');
    await db.conn.query('DELETE FROM k');
    await db.conn.query('INSERT INTO nk VALUES (7)');
    await db.conn.query('DELETE FROM nk');
    const k = await records(kafka, cfg.schemasTopic, [cfg.topicFor('k')], 2);
    assert.deepEqual(k.map(summary), [
      ['c', { id: 1 }, null, { id: 1 }],
      ['d', { id: 1 }, { id: 1 }, null],
    ]);
    const nk = await records(kafka, cfg.schemasTopic, [cfg.topicFor('nk')], 2);
    assert.deepEqual(nk.map(summary), [
      ['c', null, null, { v: 7 }],
      ['d', null, { v: 7 }, null],
    ]);
    await pipeline.stop();
    assert.equal(pipeline.logs.filter((l) => l.includes('no primary key')).length, 1, pipeline.logs.join(''));
  } finally {
    await pipeline.stop().catch(() => undefined);
  }
});

test('ALTER TABLE mid-stream: DECIMAL(10,2) then DECIMAL(12,4), each message decodes with its own schema', async (t) => {
  const db = await ownDatabase('t_alter');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE p (id INT PRIMARY KEY, price DECIMAL(10,2) NOT NULL)');
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query('INSERT INTO p VALUES (1, 12345678.91)');
    await db.conn.query('ALTER TABLE p MODIFY price DECIMAL(12,4) NOT NULL');
    await db.conn.query('INSERT INTO p VALUES (2, 12345678.9123)');
    await db.conn.query('ALTER TABLE p ADD COLUMN label VARCHAR(10) NULL');
    await db.conn.query("INSERT INTO p VALUES (3, -0.0001, 'new')");
    const got = await records(kafka, cfg.schemasTopic, [cfg.topicFor('p')], 3);
    assert.equal(new Set(got.map((r) => r.valueFingerprint)).size, 3, 'each table version has its own schema');
    assert.equal(decodeDecimal(got[0]!.value!.after!.price as Buffer, 2), '12345678.91');
    assert.equal(decodeDecimal(got[1]!.value!.after!.price as Buffer, 4), '12345678.9123');
    assert.equal(decodeDecimal(got[2]!.value!.after!.price as Buffer, 4), '-0.0001');
    assert.equal(got[2]!.value!.after!.label, 'new');
    assert.equal('label' in got[1]!.value!.after!, false);
  } finally {
    await pipeline.stop();
  }
});
