/**
 * A graceful stop and restart with each checkpoint store kept outside the file system
 * (mysql, kafka; the file store is covered by the other pipeline tests): `tributary
 * start` runs as a child process, is stopped with SIGTERM while rows are still arriving,
 * misses rows written while it is down, and is started again. The periodic checkpoint
 * is pushed out of reach, so the only checkpoint is the one the graceful stop writes:
 * every row must then arrive exactly once and in commit order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import { adminConnection, BINLOG_END_GTID_SQL, deleteTopics, ownDatabase, testKafka, uniqueName } from '../../support/stack.js';
import { lastGtid } from '../../support/last-gtid.js';
import { spawnTributary, startTributary, testPipelineConfig, waitFor, type TestPipelineConfig } from '../../support/pipeline-harness.js';
import { readDecoded, readTopics, type DecodedRecord } from '../../support/topic-reader.js';
import { gtidSeq } from '../../support/gtid-seq.js';
import type { Position } from '../../../src/model/position.js';

type Db = Awaited<ReturnType<typeof ownDatabase>>;
type Child = ReturnType<typeof spawnTributary>;

/** Rows delivered before the first stop; then some written during the SIGTERM, then some while down. */
const BEFORE_STOP = 20;
const AT_STOP = 300;
const WHILE_DOWN = 15;

async function stopChild(run: Child): Promise<void> {
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0, run.output());
}

/** Inserts ids from..to, one transaction each, recording each id's GTID sequence number. */
async function insertRows(db: Db, from: number, to: number, seqOf: Map<number, number>): Promise<void> {
  for (let id = from; id <= to; id++) {
    await db.conn.query(`INSERT INTO items VALUES (${id}, ${id * 10})`);
    seqOf.set(id, gtidSeq(await lastGtid(db.conn)));
  }
}

async function binlogSeq(db: Db): Promise<number> {
  const [rows] = await db.conn.query(BINLOG_END_GTID_SQL);
  return gtidSeq((rows as { p: string }[])[0]!.p);
}

async function records(kafka: Kafka, cfg: TestPipelineConfig, atLeast: number): Promise<DecodedRecord[]> {
  let got: DecodedRecord[] = [];
  await waitFor(
    async () => (got = await readDecoded(kafka, cfg.schemasTopic, [cfg.topicFor('items')])).length >= atLeast,
    30_000,
    () => `have ${got.length} of ${atLeast} records`,
  );
  return got;
}

/** The checkpoint row the mysql store wrote, read with SQL as an operator would. */
async function mysqlCheckpoint(pipeline: string): Promise<Position | null> {
  const conn = await adminConnection();
  try {
    const [rows] = await conn.query('SELECT position FROM `_tributary`.`checkpoints` WHERE pipeline = ?', [pipeline]);
    const row = (rows as { position: string }[])[0];
    return row ? (JSON.parse(row.position) as Position) : null;
  } finally {
    await conn.end();
  }
}

/** The newest checkpoint of `pipeline` on the checkpoint topic (key = pipeline name). */
async function kafkaCheckpoint(kafka: Kafka, topic: string, pipeline: string): Promise<Position | null> {
  let position: Position | null = null;
  for (const r of await readTopics(kafka, [topic])) {
    if (r.key?.toString() === pipeline) position = r.value ? (JSON.parse(r.value.toString()) as { position: Position }).position : null;
  }
  return position;
}

for (const store of ['mysql', 'kafka'] as const) {
  test(`${store} store: SIGTERM, rows written while down, restart: every row exactly once, in order`, async (t) => {
    const db = await ownDatabase(`t_cpstore_${store}`);
    const kafka = testKafka();
    const checkpointTopic = uniqueName('t_ckpt');
    const checkpoint: Record<string, string> = store === 'kafka' ? { store, topic: checkpointTopic } : { store };
    // No periodic save within the test: the checkpoint a restart finds is the graceful stop's.
    const cfg = testPipelineConfig({ db: db.name, checkpoint: { ...checkpoint, interval_ms: 600_000 }, snapshot: { mode: 'never' } });
    const children: Child[] = [];
    t.after(async () => {
      for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
      await deleteTopics(kafka, cfg.name);
      if (store === 'kafka') await deleteTopics(kafka, checkpointTopic);
      else {
        const conn = await adminConnection();
        await conn.query('DELETE FROM `_tributary`.`checkpoints` WHERE pipeline = ?', [cfg.name]).finally(() => conn.end());
      }
      await db.drop();
    });
    await db.conn.query('CREATE TABLE items (id INT PRIMARY KEY, n INT NOT NULL)');

    let child = await startTributary(cfg, children);
    const seqOf = new Map<number, number>();
    await insertRows(db, 1, BEFORE_STOP, seqOf);
    await records(kafka, cfg, BEFORE_STOP);
    // Written while the stop happens, so they are anywhere between the binlog and Kafka
    // (or not yet written) at the SIGTERM: the stop must either deliver and checkpoint
    // each of them or leave it to the restart, never both.
    const writing = insertRows(db, BEFORE_STOP + 1, BEFORE_STOP + AT_STOP, seqOf);
    await waitFor(() => seqOf.size >= BEFORE_STOP + 3, 10_000);
    await stopChild(child);
    await writing;
    const atStop = await binlogSeq(db);
    assert.match(child.output(), /stopped; checkpoint at gtid /);
    const onTopicAtStop = (await readDecoded(kafka, cfg.schemasTopic, [cfg.topicFor('items')])).map((r) => (r.key as { id: number }).id);

    const saved = store === 'mysql' ? await mysqlCheckpoint(cfg.name) : await kafkaCheckpoint(kafka, checkpointTopic, cfg.name);
    assert.ok(saved?.gtid, `no checkpoint with a GTID for ${cfg.name}:\n${child.output()}`);
    const savedSeq = gtidSeq(saved.gtid);
    t.diagnostic(`checkpoint ${saved.gtid} (${saved.file}:${saved.pos}); @@gtid_binlog_pos after the stop at seq ${atStop}; ${onTopicAtStop.length} rows delivered before the stop`);
    // A position the server's @@gtid_binlog_pos (domain 0) had reached by the stop...
    assert.ok(savedSeq <= atStop, `checkpoint ${saved.gtid} is past the binlog (seq ${atStop}) at the stop`);
    assert.match(saved.file, /\S/);
    assert.ok(saved.pos > 0);
    // ...that covers exactly the rows Kafka had acked: those at or before it were
    // delivered (no loss), those after it were not (no duplicates on restart).
    const ids = [...seqOf.keys()];
    assert.deepEqual(onTopicAtStop, ids.slice(0, onTopicAtStop.length), 'delivered in order');
    assert.ok(onTopicAtStop.length >= BEFORE_STOP);
    assert.deepEqual(
      ids.filter((id) => seqOf.get(id)! <= savedSeq),
      onTopicAtStop,
      `checkpoint ${saved.gtid} does not match what was delivered`,
    );

    await insertRows(db, BEFORE_STOP + AT_STOP + 1, BEFORE_STOP + AT_STOP + WHILE_DOWN, seqOf);
    child = await startTributary(cfg, children);
    assert.match(child.output(), new RegExp(`resuming from gtid ${saved.gtid} \\(${saved.file}:${saved.pos}\\)`));
    const total = BEFORE_STOP + AT_STOP + WHILE_DOWN;
    await records(kafka, cfg, total);
    await stopChild(child);

    const got = await readDecoded(kafka, cfg.schemasTopic, [cfg.topicFor('items')]);
    const expected = Array.from({ length: total }, (_, i) => ['c', { id: i + 1 }, { id: i + 1, n: (i + 1) * 10 }]);
    assert.deepEqual(
      got.map((r) => [r.value?.op, r.key, r.value?.after]),
      expected,
    );
  });
}
