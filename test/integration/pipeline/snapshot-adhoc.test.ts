/**
 * Snapshots started while the pipeline streams: `tributary snapshot --tables` signals a
 * running pipeline through the binlog, and the table it snapshots under a busy writer
 * ends equal in the topic; a request for a table the pipeline does not publish is
 * refused. And a checkpoint whose binlogs were purged: mode = "initial" stops with an
 * error naming the purge and the fix, mode = "when_needed" snapshots again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { adminConnection, deleteTopics, ON_MYSQL, ownDatabase, seqRows, SOURCE, testKafka } from '../../support/stack.js';
import { lastGtid } from '../../support/last-gtid.js';
import { runPipeline, spawnTributary, startTributary, testPipelineConfig, waitFor, type TestPipelineConfig } from '../../support/pipeline-harness.js';
import { readDecoded, readPositioned } from '../../support/topic-reader.js';
import { SnapshotLog } from '../../support/snapshot-log.js';
import { readCheckpointFile } from '../../support/checkpoint-file.js';
import { checkpointCaughtUp } from '../../support/checkpoint-caught-up.js';
import { dropControlRows } from '../../support/snapshot-control-rows.js';
import { snapshotUnderWriter } from '../../support/snapshot-under-writer.js';
import { tableRows } from '../../support/table-rows.js';
import { TributaryError } from '../../../src/errors/tributary-error.js';

const ROWS = 100_000;
const CHUNK = 5_000;

/** Runs a short `tributary` command to its end. */
async function tributary(args: string[]): Promise<{ code: number | null; out: string }> {
  const run = spawnTributary(args);
  const code = await run.exited;
  return { code, out: run.output() };
}

test('tributary snapshot --tables while streaming under a writer: the topic ends equal to the table, never going back', { timeout: 150_000 }, async (t) => {
  const { db, kafka, cfg, id, writer, children } = await snapshotUnderWriter(t, { dbPrefix: 't_adhoc', rows: ROWS, chunk: CHUNK, mode: 'never' });
  await db.conn.query('CREATE TABLE `empty` (id INT PRIMARY KEY)');
  await db.conn.query('CREATE DATABASE IF NOT EXISTS `' + db.name + '_other`');
  t.after(async () => {
    const conn = await adminConnection();
    await conn.query('DROP DATABASE IF EXISTS `' + db.name + '_other`');
    await conn.end();
  });
  await db.conn.query('CREATE TABLE `' + db.name + '_other`.t (id INT PRIMARY KEY)');

  const run = await startTributary(cfg, children);
  writer.start();
  await writer.reach(writer.count + 300);

  // Refused requests change nothing: not published, no such table, not a db.table name.
  const outside = await tributary(['snapshot', '--config', cfg.file, '--tables', `${db.name}_other.t`]);
  assert.equal(outside.code, 1, outside.out);
  assert.equal(
    outside.out,
    `tributary: ${db.name}_other.t is not published by pipeline "${cfg.name}"\n  fix: add it to source.include (and restart the pipeline) or check the name\n`,
  );
  const missing = await tributary(['snapshot', '--config', cfg.file, '--tables', `${db.name}.nope`]);
  assert.equal(missing.code, 1, missing.out);
  assert.match(missing.out, new RegExp(`^tributary: table ${db.name}\\.nope does not exist on 127\\.0\\.0\\.1:${SOURCE.port}`));
  const unnamed = await tributary(['snapshot', '--config', cfg.file, '--tables', 'big']);
  assert.equal(unnamed.code, 1, unnamed.out);
  assert.match(unnamed.out, /^tributary: "big" is not a db\.table name\n  fix: pass --tables db\.table/);

  const requested = await tributary(['snapshot', '--config', cfg.file, '--tables', id]);
  assert.equal(requested.code, 0, requested.out);
  assert.equal(requested.out, `snapshot of ${id} requested from pipeline "${cfg.name}"; follow it with tributary status --config ${cfg.file}\n`);
  const writesAtRequest = writer.count;
  await waitFor(
    () => {
      if (run.child.exitCode !== null) throw new Error(`pipeline exited:\n${run.output()}`);
      return run.output().includes(`snapshot of ${id} done`);
    },
    90_000,
    () => run.output().slice(-2000),
  );
  const writesDuring = writer.count - writesAtRequest;
  await writer.stop();
  await checkpointCaughtUp(cfg.checkpointPath, writer.lastGtid!);
  const out = run.output();
  assert.match(out, new RegExp(`ad-hoc snapshot requested for ${id}\\n`));
  assert.match(out, new RegExp(`snapshotting ${id} \\(~\\d+ rows, key: id\\)`));

  // Requested on an idle pipeline, an empty table's snapshot (no rows to deliver) still
  // reaches the checkpoint promptly, as `tributary status` shows.
  const requestedEmpty = await tributary(['snapshot', '--config', cfg.file, '--tables', `${db.name}.empty`]);
  assert.equal(requestedEmpty.code, 0, requestedEmpty.out);
  await waitFor(() => run.output().includes(`snapshot of ${db.name}.empty done: 0 rows`), 30_000, () => run.output().slice(-2000));
  let status = { code: null as number | null, out: '' };
  await waitFor(
    async () => (status = await tributary(['status', '--config', cfg.file])).out.includes(`  snapshot ${db.name}.empty: done, 0 rows\n`),
    5_000,
    () => `status:\n${status.out}`,
  );

  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0, run.output().slice(-2000));

  const table = await tableRows(db.conn, 'SELECT * FROM big ORDER BY id');
  const log = new SnapshotLog(await readPositioned(kafka, cfg.schemasTopic, [cfg.topicFor('big')]));
  assert.deepEqual(log.badOps(), []);
  const state = log.stateRows();
  assert.equal(state.length, table.length, 'keys in the topic vs rows in the table');
  assert.deepEqual(state, table);
  assert.deepEqual(log.regressions(), []);
  assert.deepEqual(log.markerProblems(), []);
  const reads = log.reads;
  assert.ok(log.records[0]!.value!.op !== 'r', 'streamed changes came before the request');
  assert.equal(new Set(reads.map((r) => (r.key as { id: number }).id)).size, reads.length, 'an id was read twice');
  status = await tributary(['status', '--config', cfg.file]);
  assert.equal(status.code, 0);
  assert.deepEqual(
    status.out.split('\n').filter((l) => l.startsWith('  snapshot ')).sort(),
    [`  snapshot ${db.name}.big: done, ${reads.length} rows`, `  snapshot ${db.name}.empty: done, 0 rows`],
  );
  const dropped = log.droppedInWindow(ROWS, new Set(table.map((r) => r.id as number)));
  t.diagnostic(`${writesDuring} writer transactions during the snapshot; ${reads.length} r events; ${dropped} rows left to the stream (changed in their window); ${log.records.length} records`);
  assert.ok(writesDuring > 100, `the writer ran throughout the snapshot (${writesDuring} transactions)`);
});

/**
 * Purges the binlogs before the current one (FLUSH, then PURGE TO the new file) and
 * returns a GTID position the server no longer has. Other tests start from the current end or
 * from recent checkpoints, so this is harmless to them.
 */
async function purgeBinlogs(): Promise<string> {
  const conn = await adminConnection();
  try {
    await conn.query('FLUSH BINARY LOGS');
    const [logs] = await conn.query('SHOW BINARY LOGS');
    const current = (logs as { Log_name: string }[]).at(-1)!.Log_name;
    await conn.query(`PURGE BINARY LOGS TO '${current}'`);
    // A log a replica still reads is kept (with a warning), and so are the ones after it;
    // what matters is that the first one, which holds the first GTID, is gone.
    const [left] = await conn.query('SHOW BINARY LOGS');
    assert.notEqual((left as { Log_name: string }[])[0]!.Log_name, 'binlog.000001', 'the first binlog was not purged');
    if (!ON_MYSQL) return '0-1-1';
    const [[{ uuid }]] = (await conn.query('SELECT @@server_uuid AS uuid')) as unknown as [[{ uuid: string }]];
    return `${uuid}:1`;
  } finally {
    await conn.end();
  }
}

function writeCheckpoint(cfg: TestPipelineConfig, gtid: string): void {
  const checkpoint = { pipeline: cfg.name, position: { gtid, file: 'binlog.000001', pos: 4 }, updatedAt: new Date().toISOString() };
  writeFileSync(cfg.checkpointPath, JSON.stringify(checkpoint));
}

test('a checkpoint in purged binlogs: "initial" stops naming the purge and the fix, "when_needed" snapshots again', { timeout: 90_000 }, async (t) => {
  const db = await ownDatabase('t_purged');
  const kafka = testKafka();
  const strict = testPipelineConfig({ db: db.name, snapshot: { mode: 'initial', chunk_size: CHUNK, parallelism: 2 } });
  const lenient = testPipelineConfig({ db: db.name, snapshot: { mode: 'when_needed', chunk_size: CHUNK, parallelism: 2 } });
  let stopPipeline: (() => Promise<void>) | null = null;
  t.after(async () => {
    await stopPipeline?.().catch(() => undefined);
    await deleteTopics(kafka, strict.name);
    await deleteTopics(kafka, lenient.name);
    await dropControlRows(strict.name);
    await dropControlRows(lenient.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE items (id INT PRIMARY KEY, v INT NOT NULL)');
  await db.conn.query(`INSERT INTO items SELECT seq, seq FROM ${seqRows(12000)}`);
  const gone = await purgeBinlogs();
  writeCheckpoint(strict, gone);
  writeCheckpoint(lenient, gone);

  const failing = await runPipeline(strict);
  const failure = await failing.done.then(
    () => null,
    (err: unknown) => err,
  );
  assert.ok(failure instanceof TributaryError, `expected a TributaryError, got ${String(failure)}\n${failing.logs.join('')}`);
  assert.equal(failure.code, 'MYSQL_POSITION_PURGED');
  assert.match(failure.message, /^the binlog position Tributary needs is no longer on the server \(.*purged/);
  assert.match(failure.fix ?? '', /set \[snapshot\] mode = "when_needed" to snapshot again, or delete the checkpoint/);
  // Nothing was published, and the checkpoint is untouched.
  assert.equal(readCheckpointFile(strict.checkpointPath)?.position.gtid, gone);
  assert.deepEqual(await readDecoded(kafka, strict.schemasTopic, [strict.topicFor('items')]), []);

  const run = await runPipeline(lenient);
  stopPipeline = run.stop;
  let ended: unknown = null;
  run.done.then(
    () => (ended = 'stopped'),
    (err: unknown) => (ended = err),
  );
  await waitFor(
    () => {
      if (ended !== null) throw new Error(`with mode "when_needed" the pipeline stopped instead of snapshotting again: ${String(ended)}\n${run.logs.join('')}`);
      return run.logs.some((l) => l.includes(`snapshot of ${db.name}.items done`));
    },
    30_000,
    () => run.logs.join(''),
  );
  assert.match(run.logs.join(''), /WARN .*no longer on the server .*; snapshot\.mode = "when_needed": taking a new snapshot from the current end of the binlog/);
  await db.conn.query('UPDATE items SET v = -v WHERE id <= 10');
  await db.conn.query('DELETE FROM items WHERE id > 11990');
  await db.conn.query('INSERT INTO items VALUES (20000, 1)');
  const g = await lastGtid(db.conn);
  await checkpointCaughtUp(lenient.checkpointPath, g);
  await run.stop();
  stopPipeline = null;

  const table = await tableRows(db.conn, 'SELECT * FROM items ORDER BY id');
  const log = new SnapshotLog(await readPositioned(kafka, lenient.schemasTopic, [lenient.topicFor('items')]));
  assert.deepEqual(log.stateRows(), table);
  assert.equal(log.reads.length, 12_000);
  assert.deepEqual(log.markerProblems(), []);
  const streamed = log.records.filter((r) => r.value?.op !== 'r').map((r) => r.value?.op ?? 'tombstone');
  assert.deepEqual(streamed, [...Array<string>(10).fill('u'), ...Array.from({ length: 10 }, () => ['d', 'tombstone']).flat(), 'c']);
});
