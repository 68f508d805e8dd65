/**
 * Invisible columns (`INVISIBLE`: MySQL 8.0.23+, MariaDB 10.3+) and generated columns
 * (VIRTUAL and STORED/PERSISTENT) in both paths. `SELECT *` skips invisible columns and a
 * binlog row image could leave virtual ones out; a consumer must nonetheless see the same
 * columns with the same values for the same row whether it came from the snapshot or the
 * stream. With binlog_row_image = FULL both servers log virtual generated columns' values,
 * and the snapshot selects every column by name from information_schema, so both carry all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ON_MYSQL, deleteTopics, ownDatabase, testKafka } from '../../../support/stack.js';
import { runPipeline, testPipelineConfig, waitFor } from '../../../support/pipeline-harness.js';
import { readPositioned, type PositionedRecord } from '../../../support/topic-reader.js';
import { decodeDecimal } from '../../../support/decimal.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('invisible and generated columns: the snapshot and the stream publish the same columns and values', { timeout: 90_000 }, async (t) => {
  const db = await ownDatabase('t_hidden');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'initial' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  const stored = ON_MYSQL ? 'STORED' : 'PERSISTENT';
  await db.conn.query(
    `CREATE TABLE g (id INT PRIMARY KEY, a INT NOT NULL, hid INT INVISIBLE DEFAULT 7, v INT AS (a * 2) VIRTUAL, ` +
      `s INT AS (a + 100) ${stored}, j JSON, jv VARCHAR(20) AS (JSON_UNQUOTE(JSON_EXTRACT(j, '$.k'))) VIRTUAL, ` +
      `hv INT AS (hid * 10) VIRTUAL INVISIBLE)`,
  );
  await db.conn.query(`INSERT INTO g (id, a, hid, j) VALUES (1, 5, 9, '{"k": "x"}'), (2, 3, DEFAULT, NULL)`);
  const run = await runPipeline(cfg);
  const topic = cfg.topicFor('g');
  try {
    await waitFor(() => run.logs.some((l) => l.includes(`snapshot of ${db.name}.g done`)), 30_000, () => run.logs.join(''));
    await db.conn.query(`INSERT INTO g (id, a, hid, j) VALUES (11, 5, 9, '{"k": "x"}'), (12, 3, DEFAULT, NULL)`);
    await db.conn.query('UPDATE g SET a = 6, hid = 8 WHERE id = 11');
    await db.conn.query('DELETE FROM g WHERE id = 12');
    let records: PositionedRecord[] = [];
    await waitFor(async () => (records = (await readPositioned(kafka, cfg.schemasTopic, [topic])).filter((r) => r.value)).length >= 6, 30_000, () => run.logs.join(''));
    await sleep(500);
    records = (await readPositioned(kafka, cfg.schemasTopic, [topic])).filter((r) => r.value);
    // MariaDB keeps JSON as the text written; MySQL's binary JSON prints with ", " and ": ".
    const j = '{"k": "x"}';
    const row = (id: number, a: number, hid: number, json: string | null) => ({ id, a, hid, v: a * 2, s: a + 100, j: json, jv: json ? 'x' : null, hv: hid * 10 });
    assert.deepEqual(
      records.map((r) => [r.value!.op, r.value!.before, r.value!.after]),
      [
        ['r', null, row(1, 5, 9, j)],
        ['r', null, row(2, 3, 7, null)],
        ['c', null, row(11, 5, 9, j)],
        ['c', null, row(12, 3, 7, null)],
        ['u', row(11, 5, 9, j), row(11, 6, 8, j)],
        ['d', row(12, 3, 7, null), null],
      ],
    );
    // One schema for both paths: the same columns in the same order.
    assert.equal(new Set(records.map((r) => r.valueFingerprint)).size, 1);
    assert.deepEqual(Object.keys(records[0]!.value!.after!), ['id', 'a', 'hid', 'v', 's', 'j', 'jv', 'hv']);
  } finally {
    await run.stop();
  }
});

test('a generated invisible primary key (sql_generate_invisible_primary_key) keys both paths', { skip: ON_MYSQL ? false : 'generated invisible primary keys are MySQL 8.0.30+ only', timeout: 90_000 }, async (t) => {
  const db = await ownDatabase('t_gipk');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'initial', chunk_size: 2 } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('SET SESSION sql_generate_invisible_primary_key = ON; CREATE TABLE nokey (name VARCHAR(10) NOT NULL)');
  await db.conn.query("INSERT INTO nokey VALUES ('a'), ('b'), ('c')");
  const run = await runPipeline(cfg);
  const topic = cfg.topicFor('nokey');
  try {
    await waitFor(() => run.logs.some((l) => l.includes(`snapshot of ${db.name}.nokey done`)), 30_000, () => run.logs.join(''));
    await db.conn.query("INSERT INTO nokey VALUES ('d'); UPDATE nokey SET name = 'B' WHERE name = 'b'");
    let records: PositionedRecord[] = [];
    await waitFor(async () => (records = await readPositioned(kafka, cfg.schemasTopic, [topic])).length >= 5, 30_000, () => run.logs.join(''));
    assert.deepEqual(
      // my_row_id is BIGINT UNSIGNED: a decimal(20,0), as bytes.
      records.map((r) => [r.value!.op, decodeDecimal(r.key!.my_row_id as Buffer, 0), decodeDecimal(r.value!.after!.my_row_id as Buffer, 0), r.value!.after!.name]),
      [
        ['r', '1', '1', 'a'],
        ['r', '2', '2', 'b'],
        ['r', '3', '3', 'c'],
        ['c', '4', '4', 'd'],
        ['u', '2', '2', 'B'],
      ],
    );
    assert.ok(!run.logs.some((l) => /no primary key/i.test(l)), run.logs.join(''));
  } finally {
    await run.stop();
  }
});
