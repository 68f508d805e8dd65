/**
 * TRUNCATE, DROP TABLE and RENAME TABLE leave each topic in the source's state: a `t`
 * event ends the table's rows (or, with truncate_handling = "deletes", a delete and
 * tombstone per live key), and a renamed table's rows reach its new topic by snapshot.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { deleteTopics, ownDatabase, seqRows, testKafka } from '../../support/stack.js';
import { lastGtid } from '../../support/last-gtid.js';
import { readPositioned, type PositionedRecord } from '../../support/topic-reader.js';
import { runPipeline, testPipelineConfig, waitFor, type TestPipelineOptions } from '../../support/pipeline-harness.js';
import { checkpointCaughtUp } from '../../support/checkpoint-caught-up.js';
import { readCheckpointFile } from '../../support/checkpoint-file.js';
import { dropControlRows } from '../../support/snapshot-control-rows.js';
import { ChangeLog } from '../../support/change-log.js';
import { tableRows } from '../../support/table-rows.js';
import { TRIBUTARY_VERSION } from '../../../src/version.js';
import type { SnapshotProgress } from '../../../src/model/snapshot-progress.js';

type Db = Awaited<ReturnType<typeof ownDatabase>>;


async function setup(t: TestContext, prefix: string, options: Omit<TestPipelineOptions, 'db'> = {}) {
  const db = await ownDatabase(prefix);
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, ...options });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await dropControlRows(cfg.name);
    await db.drop();
  });
  return { db, kafka, cfg };
}

function summary(r: PositionedRecord): unknown[] {
  return [r.value?.op ?? 'tombstone', r.key, r.value?.before ?? null, r.value?.after ?? null];
}

function sorted(rows: Iterable<Record<string, unknown>>): Record<string, unknown>[] {
  return [...rows].sort((a, b) => (a.id as number) - (b.id as number));
}

test('TRUNCATE publishes one t event with the statement in source.query; later inserts flow as before', { timeout: 60_000 }, async (t) => {
  const { db, kafka, cfg } = await setup(t, 't_trunc');
  await db.conn.query('CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(5) NOT NULL)');
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query("INSERT INTO items VALUES (1, 'a'), (2, 'b')");
    await db.conn.query('TRUNCATE TABLE items');
    const truncated = await lastGtid(db.conn);
    await db.conn.query("INSERT INTO items VALUES (3, 'c')");
    await checkpointCaughtUp(cfg.checkpointPath, await lastGtid(db.conn), () => pipeline.logs.join(''));
    const got = await readPositioned(kafka, cfg.schemasTopic, [cfg.topicFor('items')]);
    assert.deepEqual(got.map(summary), [
      ['c', { id: 1 }, null, { id: 1, v: 'a' }],
      ['c', { id: 2 }, null, { id: 2, v: 'b' }],
      ['t', null, null, null],
      ['c', { id: 3 }, null, { id: 3, v: 'c' }],
    ]);
    const { source, transaction } = got[2]!.value!;
    assert.equal(typeof source.ts_ms, 'bigint');
    assert.match(String(source.file), /^binlog\.\d{6}$/);
    assert.ok((source.pos as bigint) > 0n);
    assert.equal(source.ts_us, (source.ts_ms as bigint) * 1000n);
    assert.deepEqual({ ...source, ts_ms: 0, ts_us: 0, file: '', pos: 0 }, {
      version: TRIBUTARY_VERSION, connector: 'mysql', name: cfg.name, ts_ms: 0, snapshot: 'false', db: db.name,
      sequence: null, ts_us: 0, ts_ns: null, table: 'items',
      server_id: 1n, gtid: truncated, file: '', pos: 0, row: 0, thread: null, query: 'TRUNCATE TABLE items',
    });
    assert.deepEqual(transaction, { id: truncated, total_order: 1n, data_collection_order: 1n });
    assert.deepEqual(sorted(new ChangeLog(got).state().values()), await tableRows(db.conn, 'SELECT * FROM items ORDER BY id'));
    assert.equal(pipeline.logs.filter((l) => l.includes(`truncate of ${db.name}.items`)).length, 1, pipeline.logs.join(''));
  } finally {
    await pipeline.stop();
  }
});

test('DROP TABLE publishes the end-of-table marker; a table re-created under the name streams afresh', { timeout: 60_000 }, async (t) => {
  const { db, kafka, cfg } = await setup(t, 't_drop');
  await db.conn.query('CREATE TABLE gone (id INT PRIMARY KEY, v INT NOT NULL)');
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query('INSERT INTO gone VALUES (1, 1)');
    await db.conn.query('DROP TABLE gone');
    const dropped = await lastGtid(db.conn);
    await db.conn.query('CREATE TABLE gone (id INT PRIMARY KEY, v INT NOT NULL)');
    await db.conn.query('INSERT INTO gone VALUES (2, 2)');
    await checkpointCaughtUp(cfg.checkpointPath, await lastGtid(db.conn), () => pipeline.logs.join(''));
    const got = await readPositioned(kafka, cfg.schemasTopic, [cfg.topicFor('gone')]);
    assert.deepEqual(got.map(summary), [
      ['c', { id: 1 }, null, { id: 1, v: 1 }],
      ['t', null, null, null],
      ['c', { id: 2 }, null, { id: 2, v: 2 }],
    ]);
    assert.equal(got[1]!.value!.source.query, 'DROP TABLE `gone` /* generated by server */');
    assert.equal(got[1]!.value!.source.gtid, dropped);
    assert.equal(got[1]!.value!.source.table, 'gone');
  } finally {
    await pipeline.stop();
  }
});

test('RENAME TABLE: the old topic ends with a t event, the new topic holds every row by snapshot plus later changes', { timeout: 90_000 }, async (t) => {
  const { db, kafka, cfg } = await setup(t, 't_rename', { snapshot: { mode: 'never', chunk_size: 7 } });
  await db.conn.query('CREATE TABLE a (id INT PRIMARY KEY, v INT NOT NULL)');
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query(`INSERT INTO a SELECT seq, seq FROM ${seqRows(40)}`);
    await db.conn.query('RENAME TABLE a TO b');
    const renamed = await lastGtid(db.conn);
    await db.conn.query('INSERT INTO b VALUES (41, 41)');
    await db.conn.query('UPDATE b SET v = -v WHERE id <= 3');
    await db.conn.query('DELETE FROM b WHERE id = 40');
    await waitFor(() => pipeline.logs.some((l) => l.includes(`snapshot of ${db.name}.b done`)), 30_000, () => pipeline.logs.join(''));
    await checkpointCaughtUp(cfg.checkpointPath, await lastGtid(db.conn), () => pipeline.logs.join(''));
    assert.equal((readCheckpointFile(cfg.checkpointPath)?.snapshot as SnapshotProgress | undefined)?.tables[`${db.name}.b`]?.done, true);

    const old = await readPositioned(kafka, cfg.schemasTopic, [cfg.topicFor('a')]);
    assert.equal(old.length, 41);
    assert.deepEqual(old.at(-1)!.value && [old.at(-1)!.value!.op, old.at(-1)!.value!.source.query, old.at(-1)!.value!.source.gtid], ['t', 'RENAME TABLE a TO b', renamed]);
    assert.deepEqual([...new ChangeLog(old).state().values()], []);

    const moved = await readPositioned(kafka, cfg.schemasTopic, [cfg.topicFor('b')]);
    const table = await tableRows(db.conn, 'SELECT * FROM b ORDER BY id');
    assert.equal(table.length, 40);
    assert.deepEqual(sorted(new ChangeLog(moved).state().values()), table);
    assert.ok(moved.filter((r) => r.value?.op === 'r').length >= 36, 'the rows that moved came by snapshot');
    assert.match(pipeline.logs.join(''), new RegExp(`snapshot after RENAME TABLE requested for ${db.name}\\.b`));
  } finally {
    await pipeline.stop();
  }
});

test('a TRUNCATE while the table is snapshotted leaves no stale row in the topic', { timeout: 90_000 }, async (t) => {
  const { db, kafka, cfg } = await setup(t, 't_trsnap', { snapshot: { mode: 'initial', chunk_size: 500, parallelism: 1 } });
  await db.conn.query('CREATE TABLE big (id INT PRIMARY KEY, v INT NOT NULL)');
  await db.conn.query(`INSERT INTO big SELECT seq, seq FROM ${seqRows(60000)}`);
  const pipeline = await runPipeline(cfg);
  try {
    await waitFor(() => pipeline.logs.some((l) => l.includes(`snapshotting ${db.name}.big`)), 30_000, () => pipeline.logs.join(''));
    await new Promise((r) => setTimeout(r, 300));
    await db.conn.query('TRUNCATE TABLE big');
    await db.conn.query(`INSERT INTO big SELECT seq, -seq FROM ${seqRows(30)}`);
    await waitFor(() => pipeline.logs.some((l) => l.includes(`snapshot of ${db.name}.big done`)), 60_000, () => pipeline.logs.join(''));
    await checkpointCaughtUp(cfg.checkpointPath, await lastGtid(db.conn), () => pipeline.logs.join(''));
    const got = await readPositioned(kafka, cfg.schemasTopic, [cfg.topicFor('big')]);
    const truncate = got.findIndex((r) => r.value?.op === 't');
    assert.ok(truncate > 0, 'the snapshot had published rows before the truncate');
    const stale = got.slice(truncate).filter((r) => r.value?.op === 'r' && (r.value.after!.v as number) > 0);
    assert.deepEqual(stale.map((r) => r.key), []);
    assert.deepEqual(sorted(new ChangeLog(got).state().values()), await tableRows(db.conn, 'SELECT * FROM big ORDER BY id'));
  } finally {
    await pipeline.stop();
  }
});

test('truncate_handling = "deletes": one delete and tombstone per live key, read from the topic, then later changes in order', { timeout: 60_000 }, async (t) => {
  const { db, kafka, cfg } = await setup(t, 't_trdel', { kafka: { truncate_handling: 'deletes' } });
  await db.conn.query('CREATE TABLE items (id INT PRIMARY KEY, v INT NOT NULL)');
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query('INSERT INTO items VALUES (1, 1), (2, 2), (3, 3), (4, 4)');
    await db.conn.query('DELETE FROM items WHERE id = 2');
    await db.conn.query('UPDATE items SET v = 30 WHERE id = 3');
    await db.conn.query('TRUNCATE items');
    const truncated = await lastGtid(db.conn);
    await db.conn.query('INSERT INTO items VALUES (5, 5), (1, 10)');
    await checkpointCaughtUp(cfg.checkpointPath, await lastGtid(db.conn), () => pipeline.logs.join(''));
    const got = await readPositioned(kafka, cfg.schemasTopic, [cfg.topicFor('items')]);
    assert.deepEqual(got.map(summary), [
      ['c', { id: 1 }, null, { id: 1, v: 1 }],
      ['c', { id: 2 }, null, { id: 2, v: 2 }],
      ['c', { id: 3 }, null, { id: 3, v: 3 }],
      ['c', { id: 4 }, null, { id: 4, v: 4 }],
      ['d', { id: 2 }, { id: 2, v: 2 }, null],
      ['tombstone', { id: 2 }, null, null],
      ['u', { id: 3 }, { id: 3, v: 3 }, { id: 3, v: 30 }],
      ['d', { id: 1 }, { id: 1, v: 1 }, null],
      ['tombstone', { id: 1 }, null, null],
      ['d', { id: 3 }, { id: 3, v: 30 }, null],
      ['tombstone', { id: 3 }, null, null],
      ['d', { id: 4 }, { id: 4, v: 4 }, null],
      ['tombstone', { id: 4 }, null, null],
      ['c', { id: 5 }, null, { id: 5, v: 5 }],
      ['c', { id: 1 }, null, { id: 1, v: 10 }],
    ]);
    const deletes = got.slice(7, 13).filter((r) => r.value);
    assert.deepEqual(deletes.map((r) => [r.value!.source.query, r.value!.source.gtid, r.value!.source.row, r.value!.transaction?.total_order]), [
      ['TRUNCATE items', truncated, 0, 1n],
      ['TRUNCATE items', truncated, 1, 2n],
      ['TRUNCATE items', truncated, 2, 3n],
    ]);
    // A consumer of the compacted topic (newest record per key) ends with the table's rows.
    const compacted = new Map<string, PositionedRecord>();
    for (const r of got) compacted.set(JSON.stringify(r.key), r);
    const live = [...compacted.values()].filter((r) => r.value).map((r) => r.value!.after!);
    assert.deepEqual(sorted(live), await tableRows(db.conn, 'SELECT * FROM items ORDER BY id'));
    assert.match(pipeline.logs.join(''), new RegExp(`${db.name}\\.items ended \\(TRUNCATE items\\): 3 delete\\(s\\) for the live keys`));
  } finally {
    await pipeline.stop();
  }
});
