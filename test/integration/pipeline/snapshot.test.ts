/**
 * The snapshot against the real stack: tables read in primary-key chunks between
 * watermarks while a writer changes them, handed over to the binlog with no row missing,
 * no key going back to an older version, and exact Debezium snapshot markers; the key
 * choices for tables without a primary key; mode = "never"; `tributary status`; and the
 * refusal of an unkeyed table too large to read in one pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deleteTopics, ownDatabase, seqRows, testKafka } from '../../support/stack.js';
import { runPipeline, spawnTributary, testPipelineConfig, waitFor } from '../../support/pipeline-harness.js';
import { readDecoded, readPositioned } from '../../support/topic-reader.js';
import { SnapshotLog } from '../../support/snapshot-log.js';
import { readCheckpointFile } from '../../support/checkpoint-file.js';
import { checkpointCaughtUp } from '../../support/checkpoint-caught-up.js';
import { dropControlRows } from '../../support/snapshot-control-rows.js';
import { snapshotUnderWriter } from '../../support/snapshot-under-writer.js';
import { tableRows } from '../../support/table-rows.js';
import { TributaryError } from '../../../src/errors/tributary-error.js';

const ROWS = 200_000;
const CHUNK = 5_000;

test('a 200,000-row table snapshotted while a writer inserts, updates and deletes ends equal to the table, never going back', { timeout: 180_000 }, async (t) => {
  const { db, kafka, cfg, id, writer, children } = await snapshotUnderWriter(t, { dbPrefix: 't_snap', rows: ROWS, chunk: CHUNK, mode: 'initial' });
  writer.start();
  await writer.reach(20);

  // A child process, as users run it: the writer here keeps its own CPU and event loop.
  const started = Date.now();
  const run = spawnTributary(['start', '--config', cfg.file]);
  children.push(run);
  const writesAtStart = writer.count;
  await waitFor(
    () => {
      if (run.child.exitCode !== null) throw new Error(`pipeline exited:\n${run.output()}`);
      return run.output().includes(`snapshot of ${id} done`);
    },
    120_000,
    () => `snapshot not done: ${JSON.stringify(readCheckpointFile(cfg.checkpointPath)?.snapshot)}\n${run.output().slice(-1000)}`,
  );
  const snapshotMs = Date.now() - started;
  const writesDuring = writer.count - writesAtStart;
  await writer.stop();

  // Caught up once the checkpoint (which never runs ahead of Kafka acks) passed the last write.
  await checkpointCaughtUp(cfg.checkpointPath, writer.lastGtid!, () => `(${writer.count} writes)\n${run.output().slice(-3000)}`);
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
  // Every r row is a row that existed: the original ids and the writer's inserts, at most once
  // per key (a single run never reads a chunk twice).
  const reads = log.reads;
  const readIds = reads.map((r) => (r.key as { id: number }).id);
  assert.equal(new Set(readIds).size, readIds.length, 'an id was read twice');
  assert.ok(reads.length <= ROWS + writer.inserts, `${reads.length} r events`);
  const finalIds = new Set(table.map((r) => r.id as number));
  const dropped = log.droppedInWindow(ROWS, finalIds);
  t.diagnostic(
    `snapshot done after ${snapshotMs} ms with ${writesDuring} writer transactions during it (${writer.inserts} inserts, ${writer.updates} row updates, ${writer.deletes} deletes in all); ` +
      `${reads.length} r events, ${log.records.length} records, ${dropped} original rows left to the stream because they changed inside their chunk's window`,
  );
  assert.ok(writesDuring > 100, `the writer ran throughout the snapshot (${writesDuring} transactions)`);
  assert.ok(dropped > 0, 'the writer changed rows of chunks in flight (the window path was exercised)');
  assert.match(run.output(), new RegExp(`snapshotting ${id} \\(~\\d+ rows, key: id\\)`));
});

/** The `r` events of a topic's decoded records, their markers, and their rows sorted by `order`. */
function readsOf(records: Awaited<ReturnType<typeof readDecoded>>, topic: string) {
  const mine = records.filter((r) => r.topic === topic);
  return {
    ops: [...new Set(mine.map((r) => r.value?.op ?? 'tombstone'))],
    keys: mine.map((r) => r.key),
    markers: mine.map((r) => String(r.value?.source.snapshot)),
    rows: mine.map((r) => r.value!.after!),
  };
}

/**
 * Debezium's markers of one table's n reads in a planned snapshot of several tables: its
 * first read opens (`first` only for the very first read of the whole snapshot), its last
 * closes (`last` only for the very last), the rest are `true`.
 */
function expectedMarkers(n: number, opening = 'first_in_data_collection', closing = 'last_in_data_collection'): string[] {
  return Array.from({ length: n }, (_, i) => (i === 0 ? opening : i === n - 1 ? closing : 'true'));
}

/** The markers with the table-level and snapshot-level openings/closings told apart by position only. */
function tableLevel(markers: string[]): string[] {
  return markers.map((m) => (m === 'first' ? 'first_in_data_collection' : m === 'last' ? 'last_in_data_collection' : m));
}

test('composite, unique-only, unkeyed and empty tables are snapshotted exactly; status shows each done', { timeout: 120_000 }, async (t) => {
  const db = await ownDatabase('t_snapkeys');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'initial', chunk_size: CHUNK, parallelism: 2 } });
  let stopPipeline: (() => Promise<void>) | null = null;
  t.after(async () => {
    await stopPipeline?.().catch(() => undefined);
    await deleteTopics(kafka, cfg.name);
    await dropControlRows(cfg.name);
    await db.drop();
  });
  // (a, b) pages across a's groups; b mixes case and accents, so the collation's order
  // (which keyset pagination must follow) differs from the bytes' order.
  await db.conn.query('CREATE TABLE pairs (a INT NOT NULL, b VARCHAR(20) NOT NULL, v INT NOT NULL, PRIMARY KEY (a, b))');
  await db.conn.query(`INSERT INTO pairs SELECT seq DIV 700, CONCAT(ELT(seq % 3 + 1, 'x', 'Y', 'ä'), seq % 700), seq FROM ${seqRows(12000)}`);
  // n is unique but nullable (many NULLs): paging by it would skip rows; u is the key.
  await db.conn.query('CREATE TABLE uniq (n VARCHAR(10) NULL, u INT NOT NULL, v INT NOT NULL, UNIQUE KEY by_n (n), UNIQUE KEY by_u (u))');
  await db.conn.query(`INSERT INTO uniq SELECT IF(seq % 4 = 0, NULL, CONCAT('n', seq)), seq * 3, seq FROM ${seqRows(12000)}`);
  await db.conn.query('CREATE TABLE loose (x INT, y VARCHAR(10))');
  await db.conn.query(`INSERT INTO loose SELECT seq % 7, CONCAT('y', seq % 3) FROM ${seqRows(30)}`);
  await db.conn.query('INSERT INTO loose VALUES (NULL, NULL), (NULL, NULL)');
  // Last in table order, so its (row-less) completion is the snapshot's last progress.
  await db.conn.query('CREATE TABLE zz_empty (id INT PRIMARY KEY)');

  const run = await runPipeline(cfg);
  stopPipeline = run.stop;
  const ids = ['loose', 'pairs', 'uniq', 'zz_empty'].map((n) => `${db.name}.${n}`);
  await waitFor(
    () => ids.every((id) => run.logs.some((l) => l.includes(`snapshot of ${id} done`))),
    60_000,
    () => run.logs.join(''),
  );
  const expected = {
    pairs: await tableRows(db.conn, 'SELECT * FROM pairs ORDER BY a, b'),
    uniq: await tableRows(db.conn, 'SELECT * FROM uniq ORDER BY u'),
    loose: await tableRows(db.conn, 'SELECT * FROM loose'),
  };
  const topics = ['pairs', 'uniq', 'loose', 'zz_empty'].map((n) => cfg.topicFor(n));
  let records: Awaited<ReturnType<typeof readDecoded>> = [];
  await waitFor(
    async () => {
      records = await readDecoded(kafka, cfg.schemasTopic, topics);
      return records.length >= 12_000 + 12_000 + 32;
    },
    30_000,
    () => `${records.length} records`,
  );

  const pairs = readsOf(records, cfg.topicFor('pairs'));
  assert.deepEqual(pairs.ops, ['r']);
  assert.deepEqual(tableLevel(pairs.markers), expectedMarkers(12_000));
  // Delivered in key order, chunk after chunk, so equal to the table read in key order.
  assert.deepEqual(pairs.rows, expected.pairs);
  assert.deepEqual(pairs.keys, expected.pairs.map((r) => ({ a: r.a, b: r.b })));

  const uniq = readsOf(records, cfg.topicFor('uniq'));
  assert.deepEqual(uniq.ops, ['r']);
  assert.deepEqual(tableLevel(uniq.markers), expectedMarkers(12_000));
  assert.deepEqual(uniq.rows, expected.uniq);
  assert.deepEqual(uniq.keys, expected.uniq.map((r) => ({ u: r.u })));
  assert.match(run.logs.join(''), new RegExp(`snapshotting ${db.name}\\.uniq \\(~\\d+ rows, key: u\\)`));

  const loose = readsOf(records, cfg.topicFor('loose'));
  const byValue = (a: Record<string, unknown>, b: Record<string, unknown>) => JSON.stringify(a).localeCompare(JSON.stringify(b));
  assert.deepEqual(loose.ops, ['r']);
  assert.deepEqual(tableLevel(loose.markers), expectedMarkers(32));
  assert.deepEqual([...loose.rows].sort(byValue), [...expected.loose].sort(byValue));
  assert.deepEqual(new Set(loose.keys), new Set([null]));
  // Over the whole snapshot, exactly one `first` (the first table's first read) and at most
  // one `last` (the last read of the table that finished last; none when an empty table,
  // here zz_empty, finishes after every read was sent).
  const all = [pairs, uniq, loose].flatMap((x) => x.markers);
  assert.equal(all.filter((m) => m === 'first').length, 1, 'one first over the snapshot');
  assert.ok(all.filter((m) => m === 'last').length <= 1, 'at most one last over the snapshot');
  const logs = run.logs.join('');
  assert.match(logs, new RegExp(`WARN .*${db.name}\\.loose has no primary key or unique NOT NULL index: reading its 32 rows in one pass`));
  assert.match(logs, new RegExp(`WARN .*table ${db.name}\\.loose has no primary key: its messages have a null key`));

  assert.deepEqual(records.filter((r) => r.topic === cfg.topicFor('zz_empty')), []);
  assert.match(logs, new RegExp(`snapshot of ${db.name}\\.zz_empty done: 0 rows`));

  // (d) While it runs, `tributary status` reads the saved checkpoint: every table done.
  const statusLines = () => {
    const st = spawnTributary(['status', '--config', cfg.file]);
    return st.exited.then((code) => ({ code, out: st.output() }));
  };
  const want = [
    `  snapshot ${db.name}.loose: done, 32 rows`,
    `  snapshot ${db.name}.pairs: done, 12000 rows`,
    `  snapshot ${db.name}.uniq: done, 12000 rows`,
    `  snapshot ${db.name}.zz_empty: done, 0 rows`,
  ];
  let status = { code: null as number | null, out: '' };
  await waitFor(
    async () => {
      status = await statusLines();
      return want.every((w) => status.out.includes(w));
    },
    10_000,
    () => `status after 10 s:\n${status.out}`,
  );
  assert.equal(status.code, 0);
  assert.match(status.out, new RegExp(`^pipeline "${cfg.name}": checkpoint at gtid \\S+ \\(binlog\\.\\d+:\\d+\\), saved \\S+\\n`));
  assert.deepEqual(status.out.split('\n').filter((l) => l.startsWith('  snapshot ')).sort(), want);
});

test('mode = "never" publishes no existing row, only changes made after the start', { timeout: 60_000 }, async (t) => {
  const db = await ownDatabase('t_snapnever');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never', chunk_size: CHUNK, parallelism: 2 } });
  let stopPipeline: (() => Promise<void>) | null = null;
  t.after(async () => {
    await stopPipeline?.().catch(() => undefined);
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE items (id INT PRIMARY KEY, v INT NOT NULL)');
  await db.conn.query(`INSERT INTO items SELECT seq, seq FROM ${seqRows(1000)}`);
  const run = await runPipeline(cfg);
  stopPipeline = run.stop;
  await db.conn.query('INSERT INTO items VALUES (5000, 7)');
  await waitFor(() => (readCheckpointFile(cfg.checkpointPath)?.position.gtid ?? null) !== null, 10_000);
  let records: Awaited<ReturnType<typeof readDecoded>> = [];
  await waitFor(async () => (records = await readDecoded(kafka, cfg.schemasTopic, [cfg.topicFor('items')])).length > 0, 15_000);
  await run.stop();
  stopPipeline = null;
  records = await readDecoded(kafka, cfg.schemasTopic, [cfg.topicFor('items')]);
  assert.deepEqual(
    records.map((r) => [r.key, r.value?.op, r.value?.after, r.value?.source.snapshot]),
    [[{ id: 5000 }, 'c', { id: 5000, v: 7 }, 'false']],
  );
  assert.equal(readCheckpointFile(cfg.checkpointPath)?.snapshot, undefined);
  assert.doesNotMatch(run.logs.join(''), /snapshott?ing|snapshot of/);
});

test('an unkeyed table above snapshot.max_unkeyed_rows stops the pipeline with an error naming it and the fix', { timeout: 60_000 }, async (t) => {
  const db = await ownDatabase('t_snapbig');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'initial', chunk_size: CHUNK, parallelism: 2, max_unkeyed_rows: 10 } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await dropControlRows(cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE heap (x INT, y INT)');
  await db.conn.query(`INSERT INTO heap SELECT seq, seq FROM ${seqRows(11)}`);
  const run = await runPipeline(cfg);
  const failure = await run.done.then(
    () => null,
    (err: unknown) => err,
  );
  assert.ok(failure instanceof TributaryError, `expected a TributaryError, got ${String(failure)}`);
  assert.equal(failure.code, 'SNAPSHOT');
  assert.equal(
    failure.message,
    `${db.name}.heap has no primary key and no unique NOT NULL index, and 11 rows: more than snapshot.max_unkeyed_rows (10) to read in one pass`,
  );
  assert.equal(failure.fix, `add a primary key to ${db.name}.heap, raise snapshot.max_unkeyed_rows, or exclude the table in source.exclude`);
  assert.match(run.logs.join(''), new RegExp(`ERROR .*stopping: ${db.name}\\.heap has no primary key`));
  assert.deepEqual(await readDecoded(kafka, cfg.schemasTopic, [cfg.topicFor('heap')]), []);
});
