/**
 * [http] against a real pipeline: /readyz through a snapshot (snapshotting, then streaming,
 * then stopped), /metrics with exact change counts per table and op, messages produced equal
 * to what the topics hold, the lag, the checkpoint position and the snapshot's rows; /status
 * with the same values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BINLOG_END_GTID_SQL, deleteTopics, ownDatabase, seqRows, testKafka } from '../../support/stack.js';
import { runPipeline, testPipelineConfig, waitFor } from '../../support/pipeline-harness.js';
import { lastGtid } from '../../support/last-gtid.js';
import { gtidSeq } from '../../support/gtid-seq.js';
import { checkpointCaughtUp } from '../../support/checkpoint-caught-up.js';
import { readCheckpointFile } from '../../support/checkpoint-file.js';
import { freePort } from '../../support/free-port.js';
import { readyz, scrape, status, valueOf, watchReadiness } from '../../support/scrape.js';
import type { SnapshotProgress } from '../../../src/model/snapshot-progress.js';

// Enough chunks that the snapshotting state lasts seconds, not one poll, on a fast machine too.
const SNAPSHOT_ROWS = 20_000;

test('/metrics, /readyz and /status of a pipeline that snapshots a table, then streams known changes', { timeout: 120_000 }, async (t) => {
  const db = await ownDatabase('t_http');
  const kafka = testKafka();
  const port = await freePort();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { chunk_size: 100, parallelism: 1 }, extra: `[http]\nlisten = ${port}\n` });
  let run: Awaited<ReturnType<typeof runPipeline>> | null = null;
  const readiness = watchReadiness(port);
  t.after(async () => {
    await readiness.stop();
    await run?.stop().catch(() => undefined);
    await run?.http?.close();
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE a (id INT PRIMARY KEY, v INT NOT NULL)');
  await db.conn.query('CREATE TABLE b (id INT PRIMARY KEY, v INT NOT NULL)');
  await db.conn.query('CREATE TABLE snap (id INT PRIMARY KEY, v INT NOT NULL)');
  await db.conn.query(`INSERT INTO snap SELECT seq, seq FROM ${seqRows(SNAPSHOT_ROWS)}`);
  run = await runPipeline(cfg);
  const id = (table: string) => `${db.name}.${table}`;

  await waitFor(() => readCheckpointFile(cfg.checkpointPath)?.snapshot !== undefined && snapshotDone(cfg.checkpointPath, id('snap')), 60_000, () => run!.logs.join(''));
  await waitFor(async () => (await readyz(port)).state === 'streaming', 10_000, () => readiness.states.join(', '));
  // The watcher polls on its own timer: wait until it too has seen the state the line above saw.
  await waitFor(() => readiness.states.includes('200 streaming'), 5_000, () => readiness.states.join(', '));
  // Seen in this order, each at least once: the poll may miss "starting", never the snapshot.
  const seen = readiness.states.filter((s) => s !== '503 starting');
  assert.deepEqual(seen.slice(0, 2), ['200 snapshotting', '200 streaming'], readiness.states.join(', '));

  await db.conn.query('INSERT INTO a VALUES (1, 1), (2, 2)');
  await db.conn.query('INSERT INTO a VALUES (3, 3)');
  await db.conn.query('UPDATE a SET v = 10 WHERE id = 1');
  await db.conn.query('UPDATE a SET v = 20 WHERE id = 2');
  await db.conn.query('DELETE FROM a WHERE id = 3');
  await db.conn.query('INSERT INTO b VALUES (1, 1), (2, 2), (3, 3), (4, 4)');
  const last = await lastGtid(db.conn);
  await checkpointCaughtUp(cfg.checkpointPath, last, () => run!.logs.join(''));

  const saved = readCheckpointFile(cfg.checkpointPath)!;
  const samples = await scrape(port);
  const changes = (table: string, op: string) => valueOf(samples, 'tributary_changes_total', { table: id(table), op });
  assert.deepEqual(
    ['c', 'u', 'd', 'r'].map((op) => changes('a', op)),
    [3, 2, 1, undefined],
  );
  assert.deepEqual(['c', 'u', 'd', 'r'].map((op) => changes('b', op)), [4, undefined, undefined, undefined]);
  assert.deepEqual(['c', 'r'].map((op) => changes('snap', op)), [undefined, SNAPSHOT_ROWS]);

  // Every acked message is on one of this pipeline's topics (the idempotent producer never duplicates).
  assert.equal(valueOf(samples, 'tributary_messages_produced_total'), await messagesOnTopics(cfg.name));
  assert.ok(valueOf(samples, 'tributary_bytes_produced_total')! > (SNAPSHOT_ROWS + 10) * 10);
  assert.ok(valueOf(samples, 'tributary_produce_latency_seconds_count')! >= 1);
  assert.equal(valueOf(samples, 'tributary_messages_in_flight'), 0);

  const lag = valueOf(samples, 'tributary_replication_lag_seconds')!;
  assert.ok(lag >= 0 && lag < 15, `lag ${lag} s right after the writes`);

  // The metric says what the store holds; with nothing written to the server since, that is our last GTID.
  const position = samples.find((s) => s.name === 'tributary_checkpoint_position_info')!;
  const metricAt = { gtid: position.labels['gtid'], file: position.labels['file'], pos: Number(position.labels['pos']) };
  const atScrape = readCheckpointFile(cfg.checkpointPath)!;
  if (atScrape.updatedAt === saved.updatedAt) assert.deepEqual(metricAt, saved.position);
  assert.ok(gtidSeq(metricAt.gtid!) >= gtidSeq(last));
  const [[end]] = (await db.conn.query(BINLOG_END_GTID_SQL)) as unknown as [[{ p: string }]];
  if (gtidSeq(end.p) === gtidSeq(last)) assert.equal(gtidSeq(metricAt.gtid!), gtidSeq(last), `binlog end ${end.p}, checkpoint ${metricAt.gtid}`);
  const age = valueOf(samples, 'tributary_checkpoint_age_seconds')!;
  assert.ok(age >= 0 && age < 30, `checkpoint age ${age}`);

  const progress = readCheckpointFile(cfg.checkpointPath)!.snapshot as SnapshotProgress;
  assert.equal(valueOf(samples, 'tributary_snapshot_rows_done', { table: id('snap') }), SNAPSHOT_ROWS);
  assert.equal(valueOf(samples, 'tributary_snapshot_rows_estimated', { table: id('snap') }), progress.tables[id('snap')]!.total);
  assert.equal(valueOf(samples, 'tributary_snapshot_eta_seconds', { table: id('snap') }), 0);
  assert.equal(valueOf(samples, 'tributary_snapshot_rows_done', { table: id('a') }), 0);
  assert.equal(valueOf(samples, 'tributary_pipeline_state', { state: 'streaming' }), 1);

  const body = (await status(port)) as {
    pipeline: string;
    state: string;
    lagSeconds: number;
    checkpoint: { position: { gtid: string }; text: string };
    tables: Record<string, Record<string, number>>;
    snapshot: { table: string; rows: number; done: boolean }[];
  };
  assert.equal(body.pipeline, cfg.name);
  assert.equal(body.state, 'streaming');
  assert.ok(body.lagSeconds >= 0 && body.lagSeconds < 30);
  assert.ok(gtidSeq(body.checkpoint.position.gtid) >= gtidSeq(last));
  assert.deepEqual(body.tables[id('a')], { c: 3, u: 2, d: 1, r: 0, t: 0 });
  assert.deepEqual(body.tables[id('b')], { c: 4, u: 0, d: 0, r: 0, t: 0 });
  assert.deepEqual(body.tables[id('snap')], { c: 0, u: 0, d: 0, r: SNAPSHOT_ROWS, t: 0 });
  assert.deepEqual(
    body.snapshot.map((r) => [r.table, r.rows, r.done]).sort(),
    [[id('a'), 0, true], [id('b'), 0, true], [id('snap'), SNAPSHOT_ROWS, true]],
  );

  await run.stop();
  assert.deepEqual(await readyz(port), { status: 503, state: 'stopped' });
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
});

function snapshotDone(path: string, table: string): boolean {
  const progress = readCheckpointFile(path)?.snapshot as SnapshotProgress | undefined;
  return progress?.tables[table]?.done === true;
}

async function messagesOnTopics(prefix: string): Promise<number> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    let sum = 0;
    for (const topic of (await admin.listTopics()).filter((t) => t.startsWith(prefix))) {
      for (const p of await admin.fetchTopicOffsets(topic)) sum += Number(p.high) - Number(p.low);
    }
    return sum;
  } finally {
    await admin.disconnect();
  }
}
