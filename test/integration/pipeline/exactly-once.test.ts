/**
 * kafka.delivery = "exactly_once": each produce request and the checkpoint record that
 * covers it commit in one Kafka transaction, so a read_committed consumer sees every change
 * exactly once across kill -9s, snapshot resumes included, and a source transaction larger
 * than a request whole or not at all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminConnection, deleteTopics, KAFKA_BROKERS, ownDatabase, seqRows, testKafka } from '../../support/stack.js';
import { startTributary, testPipelineConfig, waitFor, spawnTributary } from '../../support/pipeline-harness.js';
import { readPositioned } from '../../support/topic-reader.js';
import { ChangeLog } from '../../support/change-log.js';
import { SnapshotLog } from '../../support/snapshot-log.js';
import { ChangeWriter } from '../../support/change-writer.js';
import { assertWrittenDelivered } from '../../support/written-delivered.js';
import { PopulatedTableWriter } from '../../support/populated-table-writer.js';
import { tableRows } from '../../support/table-rows.js';
import { mulberry32 } from '../../support/seeded-random.js';
import { KafkaCheckpointStore } from '../../../src/checkpoint/kafka-checkpoint-store.js';
import { gtidSeq } from '../../support/gtid-seq.js';

type Child = ReturnType<typeof spawnTributary>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('exactly_once is refused with a file checkpoint store, naming the key', async () => {
  const cfg = testPipelineConfig({ db: 'unused', kafka: { delivery: 'exactly_once' } });
  const run = spawnTributary(['validate', '--config', cfg.file]);
  assert.equal(await run.exited, 2);
  assert.match(run.output(), /kafka\.delivery: "exactly_once" needs checkpoint\.store = "kafka" .*not "file"/);
});

test('exactly once across kill -9s during a snapshot and a large transaction: no duplicate, nothing lost', { timeout: 240_000 }, async (t) => {
  const seed = Number(process.env.TRIBUTARY_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed}`);
  const random = mulberry32(seed);
  const ROWS = 20_000;
  const db = await ownDatabase('t_eos');
  const kafka = testKafka();
  const cfg = testPipelineConfig({
    db: db.name,
    kafka: { delivery: 'exactly_once', batch_max_messages: 500 },
    checkpoint: { store: 'kafka' },
    snapshot: { mode: 'initial', chunk_size: 500, parallelism: 2 },
  });
  // Its own checkpoint topic, so the shared one's other pipelines do not slow the load.
  const checkpointTopic = `${cfg.name}_checkpoints`;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(cfg.file, cfg.toml.replace('store = "kafka"', `store = "kafka"\ntopic = "${checkpointTopic}"`));
  const children: Child[] = [];
  const bigConn = await adminConnection(db.name);
  const itemsConn = await adminConnection(db.name);
  await PopulatedTableWriter.createFilled(db.conn, 'big', ROWS);
  await db.conn.query(ChangeWriter.createTableSql('items'));
  const big = new PopulatedTableWriter(bigConn, 'big', { rows: ROWS, pauseMs: 10, seed });
  const items = new ChangeWriter(itemsConn, 'items', seed);
  t.after(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await big.stop().catch(() => undefined);
    await bigConn.end();
    await itemsConn.end();
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });

  big.start();
  let run = await startTributary(cfg, children);
  const kills = 3;
  for (let k = 0; k < kills; k++) {
    for (let i = 0; i < 10; i++) await items.step();
    if (k === 1) {
      // One source transaction of 3,000 rows: six requests of 500, one Kafka transaction.
      await itemsConn.query("UPDATE items SET note = CONCAT(note, '+') WHERE id > 0");
      await itemsConn.query(`INSERT INTO items (id, version, note) SELECT seq + 100000, 1, 'bulk' FROM ${seqRows(3000)}`);
    }
    await sleep(500 + Math.floor(random() * 2_500));
    run.child.kill('SIGKILL');
    await run.exited;
    run = await startTributary(cfg, children);
  }
  for (let i = 0; i < 10; i++) await items.step();
  await big.stop();

  // Caught up once the committed checkpoint has passed the last writes of both writers.
  const lastSeq = Math.max(gtidSeq(big.lastGtid!), gtidSeq(items.transactions.at(-1)!.gtid));
  const store = new KafkaCheckpointStore({ kafka: KAFKA_BROKERS, topic: checkpointTopic, pipeline: cfg.name });
  try {
    await waitFor(
      async () => {
        const cp = await store.load();
        // Caught up, and every snapshot the checkpoint knows of is done.
        const tables = Object.values((cp?.snapshot as { tables?: Record<string, { done: boolean }> } | undefined)?.tables ?? {});
        return cp?.position.gtid ? gtidSeq(cp.position.gtid) >= lastSeq && tables.every((p) => p.done) : false;
      },
      90_000,
      () => run.output().slice(-2000),
    );
  } finally {
    await store.close();
  }
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0, run.output().slice(-2000));

  // The bulk insert arrived whole: its 3,000 rows within the same transaction, once each.
  const itemsLog = new ChangeLog(await readPositioned(kafka, cfg.schemasTopic, [cfg.topicFor('items')]));
  // items was empty when the plan was made, so its snapshot (resumed after a kill) may find rows: r events.
  const itemsStreamed = new ChangeLog(itemsLog.records.filter((r) => r.value?.op !== 'r'));
  assert.deepEqual(itemsStreamed.duplicates().map(ChangeLog.identity), [], 'no change published twice');
  // Streamed only: items may also be snapshotted after a kill (it was empty in the plan), whose r rows are no duplicates.
  const bulk = itemsStreamed.records.filter((r) => r.value?.after?.note === 'bulk');
  assert.equal(bulk.length, 3000);
  assert.equal(new Set(bulk.map((r) => String(r.value!.source.gtid))).size, 1);
  // The bulk statements are the test's own, not the writer's.
  assertWrittenDelivered(items, itemsStreamed, (after, id) => id > 100000 || String(after?.note ?? '').endsWith('+'));
  const itemRows = await tableRows(db.conn, 'SELECT * FROM items ORDER BY id');
  assert.deepEqual([...itemsLog.state().values()].sort((a, b) => (a.id as number) - (b.id as number)), itemRows);

  // The snapshot resumed across the kills without reading any row twice into the topic.
  const bigLog = new SnapshotLog(await readPositioned(kafka, cfg.schemasTopic, [cfg.topicFor('big')]));
  const readIds = bigLog.reads.map((r) => (r.key as { id: number }).id);
  assert.equal(new Set(readIds).size, readIds.length, 'an r row was published twice');
  assert.deepEqual(new ChangeLog(bigLog.records.filter((r) => r.value?.op !== 'r')).duplicates().map(ChangeLog.identity), []);
  assert.deepEqual(bigLog.regressions(true), [], 'no key ever goes back, replays included');
  assert.deepEqual(bigLog.stateRows(), await tableRows(db.conn, 'SELECT * FROM big ORDER BY id'));
  t.diagnostic(`${kills} kills; items ${itemsLog.records.length} records, big ${bigLog.records.length} records (${readIds.length} r); 0 duplicates`);
});
