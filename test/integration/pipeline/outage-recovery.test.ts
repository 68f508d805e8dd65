/**
 * Outages shorter than their retry bound are ridden out, not turned into exits: a broker
 * restart (the data and the checkpoint store both on that broker) and a MariaDB restart
 * in the middle of a snapshot. Each is logged once as it begins and once as it ends, and
 * afterwards nothing is missing: every transaction arrives whole, per key in order, and the
 * topic ends equal to the table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { deleteTopics, ownDatabase, seqRows, testKafka } from '../../support/stack.js';
import { startTributary, testPipelineConfig, waitFor, type spawnTributary } from '../../support/pipeline-harness.js';
import { readPositioned } from '../../support/topic-reader.js';
import { delivered } from '../../support/delivered.js';
import { ChangeWriter } from '../../support/change-writer.js';
import { assertWrittenDelivered } from '../../support/written-delivered.js';
import { ChangeLog } from '../../support/change-log.js';
import { SnapshotLog } from '../../support/snapshot-log.js';
import { DedicatedKafka } from '../../support/dedicated-kafka.js';
import { DedicatedMariadb } from '../../support/dedicated-mariadb.js';
import { PopulatedTableWriter } from '../../support/populated-table-writer.js';
import { savedTableProgress } from '../../support/checkpoint-file.js';
import { checkpointCaughtUp } from '../../support/checkpoint-caught-up.js';
import { tableRows } from '../../support/table-rows.js';

type Child = ReturnType<typeof spawnTributary>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const count = (text: string, re: RegExp) => text.match(new RegExp(re.source, 'g'))?.length ?? 0;

test('a broker restart shorter than kafka.retry_max_ms is ridden out, the Kafka checkpoint store included', { timeout: 180_000 }, async (t) => {
  const broker = new DedicatedKafka({ port: 19292, controllerPort: 19293, stackDir: '.stack/t-ride' });
  const children: Child[] = [];
  let db: Awaited<ReturnType<typeof ownDatabase>> | null = null;
  t.after(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await db?.drop();
    await broker.down();
    broker.remove();
  });
  await broker.up();
  const kafka = broker.client();
  db = await ownDatabase('t_ride_kafka');
  const cfg = testPipelineConfig({ db: db.name, kafka: { retry_max_ms: 60_000 }, checkpoint: { store: 'kafka' }, snapshot: { mode: 'never' } });
  writeFileSync(cfg.file, cfg.toml.replace(/^brokers = .*$/m, `brokers = ${JSON.stringify(broker.brokers)}`));
  const topic = cfg.topicFor('items');
  await db.conn.query(ChangeWriter.createTableSql('items'));
  const writer = new ChangeWriter(db.conn, 'items');
  t.diagnostic(`writer seed ${writer.seed}`);

  const run = await startTributary(cfg, children);
  for (let i = 0; i < 30; i++) await writer.step();
  await delivered(kafka, cfg, topic, writer.transactions);

  await broker.down();
  const downAt = Date.now();
  for (let i = 0; i < 30; i++) await writer.step();
  await sleep(Math.max(0, 8_000 - (Date.now() - downAt)));
  await broker.up();
  t.diagnostic(`broker down for ${Date.now() - downAt} ms`);
  for (let i = 0; i < 10; i++) await writer.step();
  await delivered(kafka, cfg, topic, writer.transactions, 60_000);
  await waitFor(() => /Kafka available again after/.test(run.output()), 30_000, run.output);

  assert.equal(run.child.exitCode, null, `the pipeline must still run:\n${run.output()}`);
  const out = run.output();
  assert.equal(count(out, /WARN .*Kafka unavailable: /), 1, out);
  assert.equal(count(out, /INFO .*Kafka available again after [\d.]+ s/), 1, out);
  assert.doesNotMatch(out, /ERROR|stopping:/);
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0, run.output());

  const log = new ChangeLog(await readPositioned(kafka, cfg.schemasTopic, [topic]));
  assertWrittenDelivered(writer, log);
});

test('a MariaDB restart during a snapshot is ridden out: binlog reconnect, snapshot queries retried', { timeout: 240_000 }, async (t) => {
  const ROWS = 40_000;
  const server = new DedicatedMariadb({ instance: 't-restart', port: 3309, serverId: 3 });
  const kafka = testKafka();
  const children: Child[] = [];
  let writer: PopulatedTableWriter | null = null;
  let name = '';
  t.after(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await writer?.stop().catch(() => undefined);
    if (name) await deleteTopics(kafka, name);
    await server.down();
    await server.destroy();
  });
  await server.up();
  const dbName = `t_restart_${Date.now().toString(36)}`;
  const admin = await server.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.query(`USE ${dbName}`);
  await PopulatedTableWriter.createFilled(admin, 'big', ROWS);
  await admin.end();
  const cfg = testPipelineConfig({
    db: dbName,
    source: { port: server.port, retry_max_ms: 60_000 },
    snapshot: { mode: 'initial', chunk_size: 500, parallelism: 1 },
  });
  name = cfg.name;
  const id = `${dbName}.big`;
  writer = new PopulatedTableWriter(await server.connect(dbName), 'big', { rows: ROWS, pauseMs: 5, reconnect: () => server.connect(dbName) });
  t.diagnostic(`writer seed ${writer.seed}`);
  writer.start();
  await writer.reach(10);

  const run = await startTributary(cfg, children);
  await waitFor(() => (savedTableProgress(cfg.checkpointPath, id)?.rows ?? 0) >= 5_000, 60_000, run.output);
  assert.equal(savedTableProgress(cfg.checkpointPath, id)?.done, false, 'the restart must come mid-snapshot');
  await server.down();
  await sleep(2_000);
  await server.up();
  await waitFor(() => run.output().includes(`snapshot of ${id} done`), 120_000, () => run.output().slice(-3000));
  await writer.reach(writer.count + 30);
  await writer.stop();
  await checkpointCaughtUp(cfg.checkpointPath, writer.lastGtid!, () => run.output().slice(-2000));

  assert.equal(run.child.exitCode, null, `the pipeline must still run:\n${run.output()}`);
  const out = run.output();
  t.diagnostic(out.split('\n').filter((l) => /unavailable|available again/.test(l)).join('\n'));
  assert.equal(count(out, /WARN .*binlog connection unavailable: /), 1, out);
  assert.equal(count(out, /INFO .*binlog connection available again after [\d.]+ s/), 1, out);
  assert.match(out, /streaming the binlog again/);
  assert.doesNotMatch(out, /stopping:/);
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0, run.output());

  const check = await server.connect(dbName);
  const table = await tableRows(check, 'SELECT * FROM big ORDER BY id');
  await check.end();
  const log = new SnapshotLog(await readPositioned(kafka, cfg.schemasTopic, [cfg.topicFor('big')]));
  assert.deepEqual(log.badOps(), []);
  assert.deepEqual(log.stateRows(), table);
  assert.deepEqual(log.regressions(), []);
});

test('a binlog connection cut in the middle of a large transaction is reopened, and nothing of it repeats', { timeout: 120_000 }, async (t) => {
  // Large enough that the cut lands inside the transaction however fast the pipeline runs.
  const ROWS = 60_000;
  const db = await ownDatabase('t_cut');
  const kafka = testKafka();
  // A small in-flight bound keeps the tailer paused inside the transaction while Kafka catches up.
  const cfg = testPipelineConfig({ db: db.name, kafka: { max_in_flight_messages: 1_000, batch_max_messages: 500 }, snapshot: { mode: 'never' } });
  const children: Child[] = [];
  t.after(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE t (id INT PRIMARY KEY, n INT NOT NULL)');
  const run = await startTributary(cfg, children);
  const topic = cfg.topicFor('t');
  await db.conn.query(`INSERT INTO t SELECT seq, 0 FROM ${seqRows(ROWS)}`);
  const { topicSize } = await import('../../support/topic-size.js');
  await waitFor(async () => (await topicSize(kafka, topic)) >= 1_000, 60_000, run.output);
  // Cut the replication connection on the server, as a network cut or a proxy failover does.
  // A dump thread of an earlier test's stopped process can linger until the next binlog write,
  // so every one of the user's is cut: only this test's pipeline is live.
  const [dumps] = await db.conn.query("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'tributary' AND COMMAND LIKE 'Binlog Dump%'");
  assert.ok((dumps as { ID: number }[]).length >= 1, 'no binlog reader to cut');
  for (const d of dumps as { ID: number }[]) await db.conn.query(`KILL ${d.ID}`).catch(() => undefined);
  const sizeAtCut = await topicSize(kafka, topic);
  assert.ok(sizeAtCut < ROWS, `the whole transaction was out before the cut (${sizeAtCut})`);
  await waitFor(() => /binlog connection available again/.test(run.output()), 60_000, run.output);
  let records: Awaited<ReturnType<typeof readPositioned>> = [];
  await waitFor(async () => (records = await readPositioned(kafka, cfg.schemasTopic, [topic])).length >= ROWS, 60_000, () => `${records.length} of ${ROWS}`);
  await sleep(1_000);
  records = await readPositioned(kafka, cfg.schemasTopic, [topic]);
  assert.equal(run.child.exitCode, null, run.output());
  const log = new ChangeLog(records);
  assert.deepEqual(log.duplicates().map(ChangeLog.identity), [], 'the part sent before the cut is not sent again');
  assert.equal(records.length, ROWS);
  assert.deepEqual(records.map((r) => Number(r.value!.transaction!.total_order)), Array.from({ length: ROWS }, (_, i) => i + 1));
  t.diagnostic(`cut with ${sizeAtCut} of ${ROWS} rows on the topic`);
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0, run.output().slice(-2000));
});
