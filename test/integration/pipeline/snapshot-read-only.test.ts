/**
 * The snapshot against a read replica (snapshot.watermarks = "gtid"), on both servers: a
 * replica of the shared test server that refuses writes (MySQL super_read_only, MariaDB
 * read_only), read by a user with only SELECT, REPLICATION SLAVE and REPLICATION CLIENT,
 * while a writer changes the table on the primary. The topic ends equal to the table, no
 * key goes back, nothing is written to the replica (no `_tributary` schema, no
 * transaction of its own in its binlog), and a table added later is snapshotted on a
 * request sent through the signal topic, acted on once across a restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type mysql from 'mysql2/promise';
import { ON_MYSQL, seqRows } from '../../support/stack.js';
import { spawnTributary, waitFor } from '../../support/pipeline-harness.js';
import { readPositioned } from '../../support/topic-reader.js';
import { SnapshotLog } from '../../support/snapshot-log.js';
import { readCheckpointFile } from '../../support/checkpoint-file.js';
import { snapshotUnderWriter } from '../../support/snapshot-under-writer.js';
import { tableRows } from '../../support/table-rows.js';
import { READ_ONLY_USER, ReadReplica } from '../../support/read-replica.js';
import { ExecutedGtids } from '../../../src/source/snapshot/executed-gtids.js';

const ROWS = 30_000;
const CHUNK = 1_000;

async function scalar(conn: mysql.Connection, sql: string): Promise<unknown> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(sql);
  return rows[0] ? Object.values(rows[0])[0] : undefined;
}

test('a read replica is snapshotted under a writer with GTID watermarks, writing nothing to it; a signal-topic request snapshots a later table once', { timeout: 300_000 }, async (t) => {
  const replica = new ReadReplica({ instance: 'ro', mysqlPort: 3317, mariadbPort: 3312, databases: 't_rorepl%' });
  await replica.up();
  t.after(() => replica.destroy());
  const { db, kafka, cfg, id, writer, children } = await snapshotUnderWriter(t, {
    dbPrefix: 't_rorepl',
    rows: ROWS,
    chunk: CHUNK,
    mode: 'initial',
    source: { port: replica.port, user: READ_ONLY_USER.user, password: READ_ONLY_USER.password },
    snapshot: { watermarks: 'gtid' },
  });
  await replica.caughtUp();
  const ro = await replica.connect(db.name);
  t.after(() => ro.end());
  assert.equal(Number(await scalar(ro, 'SELECT COUNT(*) FROM big')), ROWS, 'the replica has the table');

  writer.start();
  await writer.reach(20);
  const run = spawnTributary(['start', '--config', cfg.file]);
  children.push(run);
  const writesAtStart = writer.count;
  await waitFor(
    () => {
      if (run.child.exitCode !== null) throw new Error(`pipeline exited:\n${run.output()}`);
      return run.output().includes(`snapshot of ${id} done`);
    },
    180_000,
    () => `snapshot not done: ${JSON.stringify(readCheckpointFile(cfg.checkpointPath)?.snapshot)}\n${run.output().slice(-2000)}`,
  );
  const writesDuring = writer.count - writesAtStart;
  await writer.stop();
  await replica.caughtUp();
  const last = ExecutedGtids.parse(writer.lastGtid!);
  await waitFor(
    () => ExecutedGtids.parse(readCheckpointFile(cfg.checkpointPath)?.position.gtid ?? '').covers(last),
    60_000,
    () => `checkpoint ${JSON.stringify(readCheckpointFile(cfg.checkpointPath)?.position)} short of ${writer.lastGtid}\n${run.output().slice(-2000)}`,
  );

  const table = await tableRows(ro, 'SELECT * FROM big ORDER BY id');
  assert.deepEqual(table, await tableRows(db.conn, 'SELECT * FROM big ORDER BY id'), 'replica equals primary');
  const log = new SnapshotLog(await readPositioned(kafka, cfg.schemasTopic, [cfg.topicFor('big')]));
  assert.deepEqual(log.badOps(), []);
  assert.deepEqual(log.stateRows(), table);
  assert.deepEqual(log.regressions(), []);
  assert.deepEqual(log.markerProblems(), []);
  const readIds = log.reads.map((r) => (r.key as { id: number }).id);
  assert.equal(new Set(readIds).size, readIds.length, 'an id was read twice');
  const dropped = log.droppedInWindow(ROWS, new Set(table.map((r) => r.id as number)));
  t.diagnostic(`${writesDuring} writer transactions during the snapshot; ${log.reads.length} r events; ${dropped} original rows left to the stream inside their chunk's window`);
  assert.ok(writesDuring > 20, `the writer ran throughout the snapshot (${writesDuring} transactions)`);

  // (b) A table created on the primary after the snapshot, snapshotted on request through the signal topic.
  await db.conn.query(`CREATE TABLE later (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL)`);
  await db.conn.query(`INSERT INTO later SELECT seq, CONCAT('v', seq) FROM ${seqRows(300)}`);
  await replica.caughtUp();
  const request = spawnTributary(['snapshot', '--config', cfg.file, '--tables', `${db.name}.later`]);
  assert.equal(await request.exited, 0, request.output());
  assert.match(request.output(), /requested/);
  await waitFor(() => run.output().includes(`snapshot of ${db.name}.later done`), 60_000, () => run.output().slice(-2000));
  const later = await tableRows(ro, 'SELECT * FROM later ORDER BY id');
  let laterLog = new SnapshotLog([]);
  await waitFor(
    async () => {
      laterLog = new SnapshotLog(await readPositioned(kafka, cfg.schemasTopic, [cfg.topicFor('later')]));
      return laterLog.reads.length >= 300;
    },
    30_000,
    () => `${laterLog.reads.length} r events of later`,
  );
  assert.deepEqual(laterLog.reads.map((r) => r.value!.after), later);
  assert.deepEqual([...new Set(laterLog.reads.map((r) => r.value!.source.snapshot))], ['incremental']);
  assert.ok(readCheckpointFile(cfg.checkpointPath) !== null);
  await waitFor(() => (readCheckpointFile(cfg.checkpointPath)?.snapshot as { signalOffset?: string } | undefined)?.signalOffset === '1', 10_000, () =>
    JSON.stringify(readCheckpointFile(cfg.checkpointPath)?.snapshot),
  );
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0, run.output().slice(-2000));

  // (c) A restart reads the signal topic after the request it acted on: no second snapshot.
  const again = spawnTributary(['start', '--config', cfg.file]);
  children.push(again);
  await waitFor(() => again.output().includes('streaming the binlog'), 60_000, () => again.output());
  await new Promise((r) => setTimeout(r, 8_000));
  assert.doesNotMatch(again.output(), /ad-hoc snapshot requested/);
  again.child.kill('SIGTERM');
  assert.equal(await again.exited, 0, again.output().slice(-2000));

  // (d) Nothing was written to the replica.
  assert.equal(Number(await scalar(ro, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '_tributary'")), 0, 'a _tributary schema on the replica');
  if (ON_MYSQL) {
    const uuid = String(await scalar(ro, 'SELECT @@server_uuid'));
    const executed = String(await scalar(ro, 'SELECT @@GLOBAL.gtid_executed'));
    assert.ok(!executed.toLowerCase().includes(uuid.toLowerCase()), `the replica committed a transaction of its own: ${executed}`);
    assert.equal(Number(await scalar(ro, 'SELECT @@GLOBAL.super_read_only')), 1);
    await assert.rejects(ro.query('CREATE DATABASE t_rorepl_refused'), (err: { errno?: number }) => err.errno === 1290);
  } else {
    const state = String(await scalar(ro, 'SELECT @@GLOBAL.gtid_binlog_state'));
    assert.ok(!state.split(',').some((g) => g.split('-')[1] === String(replica.port)), `the replica wrote a transaction of its own: ${state}`);
    assert.equal(Number(await scalar(ro, 'SELECT @@GLOBAL.read_only')), 1);
  }
});
