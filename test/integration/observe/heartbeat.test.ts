/**
 * heartbeat.interval_ms and heartbeat.action_query against the real stack:
 * (a) a server on which only excluded tables are written: with heartbeats the checkpoint
 *     passes those writes within a few intervals and heartbeat messages appear; a pipeline
 *     without them keeps its checkpoint where it was (it saves such positions once a minute);
 * (b, c) the lag /metrics reports after a writer stops: without heartbeats it is the time
 *     since the last write (when nothing else writes to the shared server meanwhile); with
 *     an action query it stays near the interval.
 * Bounds are wide on purpose: a loaded two-core machine must pass them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { BINLOG_END_GTID_SQL, adminConnection, deleteTopics, ownDatabase, testKafka, uniqueName } from '../../support/stack.js';
import { runPipeline, testPipelineConfig, waitFor, type TestPipelineConfig } from '../../support/pipeline-harness.js';
import { lastGtid } from '../../support/last-gtid.js';
import { gtidSeq } from '../../support/gtid-seq.js';
import { readCheckpointFile, savedTableProgress } from '../../support/checkpoint-file.js';
import { checkpointCaughtUp } from '../../support/checkpoint-caught-up.js';
import { freePort } from '../../support/free-port.js';
import { scrape, valueOf } from '../../support/scrape.js';
import { readDecoded } from '../../support/topic-reader.js';
import type mysql from 'mysql2/promise';

const INTERVAL_MS = 500;

/** The config with extra [source] lines (arrays, which testPipelineConfig's options cannot carry). */
function withSource(cfg: TestPipelineConfig, lines: string): TestPipelineConfig {
  const toml = cfg.toml.replace(/^\[source\]\n/m, `[source]\n${lines}\n`);
  writeFileSync(cfg.file, toml);
  return { ...cfg, toml };
}

async function binlogEnd(conn: mysql.Connection): Promise<string> {
  const [[row]] = (await conn.query(BINLOG_END_GTID_SQL)) as unknown as [[{ p: string }]];
  return row.p;
}

test('(a) only excluded tables written: heartbeats move the checkpoint past them; without, it stays', { timeout: 90_000 }, async (t) => {
  const db = await ownDatabase('t_hbexcl');
  const kafka = testKafka();
  const beating = withSource(
    testPipelineConfig({ db: db.name, extra: `[heartbeat]\ninterval_ms = ${INTERVAL_MS}\n` }),
    `exclude = ["${db.name}.noise"]`,
  );
  const quiet = withSource(testPipelineConfig({ db: db.name }), `exclude = ["${db.name}.noise"]`);
  const runs: Awaited<ReturnType<typeof runPipeline>>[] = [];
  t.after(async () => {
    for (const r of runs) await r.stop().catch(() => undefined);
    await deleteTopics(kafka, beating.name);
    await deleteTopics(kafka, quiet.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE pub (id INT PRIMARY KEY)');
  await db.conn.query('CREATE TABLE noise (id INT PRIMARY KEY)');
  const startedAt = Date.now();
  runs.push(await runPipeline(beating), await runPipeline(quiet));
  // Both save the (empty) snapshot of pub first: saved later, it would be a save after quietBefore.
  for (const cfg of [beating, quiet]) await waitFor(() => savedTableProgress(cfg.checkpointPath, `${db.name}.pub`)?.done === true, 30_000);
  await db.conn.query('INSERT INTO pub VALUES (1)');
  const published = await lastGtid(db.conn);
  await checkpointCaughtUp(beating.checkpointPath, published);
  await checkpointCaughtUp(quiet.checkpointPath, published);
  const quietBefore = readCheckpointFile(quiet.checkpointPath)!;

  let firstNoise = '';
  for (let i = 1; i <= 5; i++) {
    await db.conn.query(`INSERT INTO noise VALUES (${i})`);
    if (i === 1) firstNoise = await lastGtid(db.conn);
  }
  const lastNoise = await lastGtid(db.conn);
  const written = Date.now();
  await checkpointCaughtUp(beating.checkpointPath, lastNoise, () => runs[0]!.logs.join(''));
  const within = Date.now() - written;
  t.diagnostic(`checkpoint passed the excluded writes ${within} ms after them (heartbeat every ${INTERVAL_MS} ms)`);
  // Far below the once-a-minute save of positions moved only by unpublished tables.
  assert.ok(within < 20_000, `${within} ms`);

  const quietAfter = readCheckpointFile(quiet.checkpointPath)!;
  assert.equal(quietAfter.updatedAt, quietBefore.updatedAt, 'the pipeline without heartbeats saved again');
  assert.ok(gtidSeq(quietAfter.position.gtid!) < gtidSeq(firstNoise), `${quietAfter.position.gtid} already covers ${firstNoise}`);

  const beats = await readDecoded(kafka, beating.schemasTopic, [`${beating.topicPrefix}.heartbeat`]);
  assert.ok(beats.length >= 1, 'no heartbeat message');
  for (const b of beats) {
    assert.deepEqual(b.key, { serverName: beating.topicPrefix });
    const ts = Number((b.value as unknown as { ts_ms: bigint }).ts_ms);
    assert.ok(ts >= startedAt && ts <= Date.now(), `ts_ms ${ts}`);
  }
});

test('(b, c) the lag after a writer stops: the time since the last write without heartbeats, about the interval with action_query', { timeout: 120_000 }, async (t) => {
  const db = await ownDatabase('t_hblag');
  const kafka = testKafka();
  const admin = await adminConnection();
  const beatTable = `_tributary.${uniqueName('hb')}`;
  const IDLE_MS = 6_000;
  const BEAT_MS = 1_000;
  const portA = await freePort();
  const plain = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, extra: `[http]\nlisten = ${portA}\n` });
  const portB = await freePort();
  const beating = testPipelineConfig({
    db: db.name,
    snapshot: { mode: 'never' },
    extra: `[http]\nlisten = ${portB}\n[heartbeat]\ninterval_ms = ${BEAT_MS}\naction_query = "UPDATE ${beatTable} SET ts = NOW(6) WHERE id = 1"\n`,
  });
  const runs: Awaited<ReturnType<typeof runPipeline>>[] = [];
  t.after(async () => {
    for (const r of runs) {
      await r.stop().catch(() => undefined);
      await r.http?.close();
    }
    await deleteTopics(kafka, plain.name);
    await deleteTopics(kafka, beating.name);
    await admin.query(`DROP TABLE IF EXISTS ${beatTable}`);
    await admin.end();
    await db.drop();
  });
  await db.conn.query('CREATE TABLE items (id INT PRIMARY KEY, v INT NOT NULL)');
  await admin.query(`CREATE TABLE ${beatTable} (id INT PRIMARY KEY, ts DATETIME(6) NOT NULL)`);
  await admin.query(`INSERT INTO ${beatTable} VALUES (1, NOW(6))`);

  // Without heartbeats: write, stop, wait; the lag is the time since the last write.
  const run = await runPipeline(plain);
  runs.push(run);
  for (let i = 1; i <= 20; i++) await db.conn.query(`INSERT INTO items VALUES (${i}, ${i})`);
  const lastWrite = await lastGtid(db.conn);
  const stoppedAt = Date.now();
  await checkpointCaughtUp(plain.checkpointPath, lastWrite);
  const endBefore = await binlogEnd(db.conn);
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const idleA = (Date.now() - stoppedAt) / 1000;
  const lagA = valueOf(await scrape(portA), 'tributary_replication_lag_seconds')!;
  const quietServer = (await binlogEnd(db.conn)) === endBefore;
  t.diagnostic(`without heartbeats: lag ${lagA} s, ${idleA.toFixed(1)} s after the last write (server quiet meanwhile: ${quietServer})`);
  // Binlog timestamps are whole seconds: the last write's reads up to 1 s early.
  assert.ok(lagA <= idleA + 1.5, `lag ${lagA} s is more than the ${idleA} s since the last write`);
  if (quietServer) assert.ok(lagA >= idleA - 1, `lag ${lagA} s, but nothing was written for ${idleA} s`);
  await run.stop();

  // With heartbeats and an action query: the same idle time, the lag stays near the interval.
  const runB = await runPipeline(beating);
  runs.push(runB);
  for (let i = 21; i <= 40; i++) await db.conn.query(`INSERT INTO items VALUES (${i}, ${i})`);
  const lastB = await lastGtid(db.conn);
  const stoppedB = Date.now();
  await checkpointCaughtUp(beating.checkpointPath, lastB);
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const idleB = (Date.now() - stoppedB) / 1000;
  const samples = await scrape(portB);
  const lagB = valueOf(samples, 'tributary_replication_lag_seconds')!;
  t.diagnostic(`with heartbeats every ${BEAT_MS} ms: lag ${lagB} s, ${idleB.toFixed(1)} s after the last write`);
  assert.ok(lagB < Math.min(idleB - 1, BEAT_MS / 1000 + 4), `lag ${lagB} s with a heartbeat every ${BEAT_MS} ms, ${idleB} s after the last write`);
  assert.ok(valueOf(samples, 'tributary_heartbeats_total')! >= 2);
  assert.equal(valueOf(samples, 'tributary_retries_total', { kind: 'heartbeat action query' }), undefined);
  // The action query's writes moved the checkpoint past the last data write, by way of the heartbeat saves.
  await waitFor(() => gtidSeq(readCheckpointFile(beating.checkpointPath)!.position.gtid!) > gtidSeq(lastB), 15_000);
});
