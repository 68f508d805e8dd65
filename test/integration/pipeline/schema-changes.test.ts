/**
 * The schema-change topic against the real stack: CREATE, ALTER ADD COLUMN, CREATE INDEX,
 * RENAME, TRUNCATE and DROP of a published table each publish exactly one message with
 * the statement, its position and the table's definition after it; DDL on an excluded
 * table publishes nothing; an insert before and after an ALTER keeps its place by
 * position; `schema_changes_topic = ""` turns it off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gtidSeq } from '../../support/gtid-seq.js';
import { deleteTopics, ON_MYSQL, ONE_GTID, ownDatabase, testKafka } from '../../support/stack.js';
import { runPipeline, testPipelineConfig, waitFor } from '../../support/pipeline-harness.js';
import { readPositioned, readTopics } from '../../support/topic-reader.js';

const col = (name: string, typeName: string, position: number, optional: boolean) => ({ name, typeName, position, optional });

test('each DDL on a published table is one schema-change message, in order with the row changes', async (t) => {
  const db = await ownDatabase('t_ddl');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, source: { exclude: '__EXCLUDE__' } });
  cfg.toml = cfg.toml.replace('"__EXCLUDE__"', `["${db.name}.ignored"]`);
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  const changesTopic = `${cfg.topicPrefix}._schema_changes`;
  const pipeline = await runPipeline(cfg);
  let seen = 0;
  // Each statement waits for its message: the definition is read when the pipeline reaches
  // the statement, so a later DDL that already ran would show through (documented).
  const ddl = async (sql: string): Promise<void> => {
    await db.conn.query(sql);
    seen++;
    await waitFor(async () => (await readTopics(kafka, [changesTopic])).length >= seen, 30_000, () => `waiting for ${sql}`);
  };
  try {
    await ddl('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10) NOT NULL)');
    await db.conn.query("INSERT INTO t VALUES (1, 'a')");
    await ddl('ALTER TABLE t ADD COLUMN n DECIMAL(10,2) NULL');
    await db.conn.query("INSERT INTO t VALUES (2, 'b', 1.50)");
    await ddl('CREATE INDEX iv ON t (v)');
    await ddl('RENAME TABLE t TO t2');
    await ddl('TRUNCATE TABLE t2');
    // Excluded: nothing published (the DROP after it proves they were read).
    await db.conn.query('CREATE TABLE ignored (id INT PRIMARY KEY)');
    await db.conn.query('ALTER TABLE ignored ADD COLUMN x INT');
    await db.conn.query('DROP TABLE ignored');
    await ddl('DROP TABLE t2');
    await waitFor(async () => (await readTopics(kafka, [cfg.topicFor('t')])).length >= 2, 30_000);
  } finally {
    await pipeline.stop();
  }

  const records = await readPositioned(kafka, cfg.schemasTopic, [changesTopic, cfg.topicFor('t')]);
  const changes = records.filter((r) => r.topic === changesTopic);
  assert.equal(changes.length, 6, JSON.stringify(changes.map((c) => (c.value as any)?.ddl)));
  for (const c of changes) assert.deepEqual(c.key, { databaseName: db.name });
  const v = changes.map((c) => c.value as any);
  const id = `${db.name}.t`;
  const id2 = `${db.name}.t2`;
  // MySQL 8 dropped integer display widths from COLUMN_TYPE.
  const base = [col('id', ON_MYSQL ? 'int' : 'int(11)', 1, false), col('v', 'varchar(10)', 2, false)];
  const altered = [...base, col('n', 'decimal(10,2)', 3, true)];
  const expected = [
    { kind: 'CREATE TABLE', ddl: 'CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10) NOT NULL)', tableChanges: [{ type: 'CREATE', id, previousId: null, table: { primaryKeyColumnNames: ['id'], columns: base } }] },
    { kind: 'ALTER TABLE', ddl: 'ALTER TABLE t ADD COLUMN n DECIMAL(10,2) NULL', tableChanges: [{ type: 'ALTER', id, previousId: null, table: { primaryKeyColumnNames: ['id'], columns: altered } }] },
    { kind: 'CREATE INDEX', ddl: 'CREATE INDEX iv ON t (v)', tableChanges: [{ type: 'ALTER', id, previousId: null, table: { primaryKeyColumnNames: ['id'], columns: altered } }] },
    { kind: 'RENAME TABLE', ddl: 'RENAME TABLE t TO t2', tableChanges: [{ type: 'RENAME', id: id2, previousId: id, table: { primaryKeyColumnNames: ['id'], columns: altered } }] },
    { kind: 'TRUNCATE TABLE', ddl: 'TRUNCATE TABLE t2', tableChanges: [{ type: 'TRUNCATE', id: id2, previousId: null, table: { primaryKeyColumnNames: ['id'], columns: altered } }] },
    { kind: 'DROP TABLE', ddl: v[5]?.ddl, tableChanges: [{ type: 'DROP', id: id2, previousId: null, table: null }] },
  ];
  assert.deepEqual(
    v.map((x) => ({ kind: x.kind, ddl: x.ddl, tableChanges: x.tableChanges })),
    expected,
  );
  assert.match(v[5].ddl, /^DROP TABLE `?t2`?/);
  for (const x of v) {
    assert.equal(x.databaseName, db.name);
    assert.equal(x.source.db, db.name);
    assert.equal(x.source.query, x.ddl);
    assert.equal(x.source.snapshot, 'false');
    assert.match(x.source.gtid, ONE_GTID);
  }
  assert.deepEqual(v.map((x) => x.source.table), ['t', 't', 't', 't2', 't2', 't2']);

  // Order across the two topics, by position: insert 1 < ALTER < insert 2.
  const rows = records.filter((r) => r.topic === cfg.topicFor('t') && r.value?.op === 'c');
  assert.equal(rows.length, 2);
  const at = (s: any): [string, bigint, number] => [s.file, BigInt(s.pos), gtidSeq(String(s.gtid))];
  const [insert1, alter, insert2] = [at(rows[0]!.value!.source), at(v[1].source), at(rows[1]!.value!.source)];
  assert.equal(insert1[0], alter[0], 'same binlog file');
  assert.equal(alter[0], insert2[0], 'same binlog file');
  assert.ok(insert1[1] < alter[1] && alter[1] < insert2[1], `positions ${insert1[1]} < ${alter[1]} < ${insert2[1]}`);
  assert.ok(insert1[2]! < alter[2]! && alter[2]! < insert2[2]!, 'GTIDs in the same order');
  assert.deepEqual(rows[1]!.value!.after, { id: 2, v: 'b', n: Buffer.from([0x00, 0x96]) });
});

test('schema_changes_topic = "" publishes no schema changes', async (t) => {
  const db = await ownDatabase('t_ddloff');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, kafka: { schema_changes_topic: '' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query('CREATE TABLE t (id INT PRIMARY KEY)');
    await db.conn.query('INSERT INTO t VALUES (1)');
    await waitFor(async () => (await readTopics(kafka, [cfg.topicFor('t')])).length === 1, 30_000);
  } finally {
    await pipeline.stop();
  }
  const admin = kafka.admin();
  await admin.connect();
  const topics = await admin.listTopics();
  await admin.disconnect();
  assert.deepEqual(topics.filter((x) => x.startsWith(`${cfg.topicPrefix}.`)), [cfg.topicFor('t')]);
});

test('a schema change carries the table as its statement left it: never the definition from before it', { timeout: 180_000 }, async (t) => {
  // MySQL writes a DDL to the binlog before its data dictionary commits, so a definition
  // read as soon as the statement arrives could still show the old table. Many ALTERs in
  // a row give that window many chances; each message must hold every column added so far.
  const ALTERS = 250;
  const db = await ownDatabase('t_ddlrace');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  const changesTopic = `${cfg.topicPrefix}._schema_changes`;
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query('CREATE TABLE r (id INT PRIMARY KEY)');
    for (let k = 1; k <= ALTERS; k++) await db.conn.query(`ALTER TABLE r ADD COLUMN c${k} INT NULL`);
    await waitFor(async () => (await readTopics(kafka, [changesTopic])).length >= ALTERS + 1, 120_000, () => `waiting for ${ALTERS + 1} schema changes`);
  } finally {
    await pipeline.stop();
  }
  const changes = (await readPositioned(kafka, cfg.schemasTopic, [changesTopic])).map((r) => r.value as any);
  assert.equal(changes.length, ALTERS + 1);
  changes.forEach((c, k) => {
    assert.equal(c.ddl, k === 0 ? 'CREATE TABLE r (id INT PRIMARY KEY)' : `ALTER TABLE r ADD COLUMN c${k} INT NULL`);
    const names: string[] = c.tableChanges[0].table.columns.map((x: { name: string }) => x.name);
    // A later ALTER that already ran may show through (documented); an earlier one never is missing.
    const expected = ['id', ...Array.from({ length: k }, (_, i) => `c${i + 1}`)];
    assert.deepEqual(names.slice(0, expected.length), expected, `message ${k} (${c.ddl}) has columns ${names.join(',')}`);
  });
});
