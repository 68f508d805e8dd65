/**
 * [[columns]] against the real stack: a table with secrets is snapshotted and streamed by a
 * `tributary start` process; excluded columns are gone from schemas and both images, masked
 * ones carry only their masks, and no secret reaches any topic byte or any log line.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { spawnTributary, testPipelineConfig, waitFor } from '../../support/pipeline-harness.js';
import { readDecoded, readTopics } from '../../support/topic-reader.js';
import { deleteTopics, ownDatabase, testKafka } from '../../support/stack.js';

const SALT = 'column-rules-salt';
const SECRETS = ['SSN-987-65-4321', 'SSN-111-22-3333', 'alice@example.com', 'bob@example.com', '+49-PHONE-SECRET', 'TAIL-SECRET', 'carol@example.com'];
const sha = (value: string) => createHash('sha256').update(SALT).update(value).digest('hex');

test('[[columns]]: excluded columns are gone, masked ones masked, in snapshot and stream alike; no secret in any message, schema or log', { timeout: 120_000 }, async (t) => {
  const db = await ownDatabase('t_columns');
  const kafka = testKafka();
  const cfg = testPipelineConfig({
    db: db.name,
    snapshot: { mode: 'initial' },
    extra: [
      '[[columns]]',
      `match = "${db.name}.customers"`,
      'exclude = ["ssn"]',
      'hash = ["email"]',
      `hash_salt = "${SALT}"`,
      'mask = { phone = 4 }',
      'truncate = { note = 6 }',
    ].join('\n'),
  });
  await db.conn.query(`CREATE TABLE customers (id INT PRIMARY KEY, email VARCHAR(64), ssn CHAR(15), phone VARCHAR(32), note TEXT, amount INT NOT NULL)`);
  await db.conn.query(`INSERT INTO customers VALUES (1, 'alice@example.com', 'SSN-987-65-4321', '+49-PHONE-SECRET', 'hello TAIL-SECRET', 10), (2, NULL, NULL, NULL, NULL, 20)`);
  const run = spawnTributary(['start', '--config', cfg.file, '--log-level', 'debug']);
  t.after(async () => {
    run.child.kill('SIGKILL');
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  // Written after the snapshot, so the expected records do not depend on where its window falls.
  await waitFor(() => run.output().includes(`snapshot of ${db.name}.customers done: 2 rows`), 30_000, run.output);

  await db.conn.query(`INSERT INTO customers VALUES (3, 'bob@example.com', 'SSN-111-22-3333', '+49-PHONE-SECRET', 'short', 30)`);
  await db.conn.query(`UPDATE customers SET email = 'carol@example.com', amount = 31 WHERE id = 3`);
  await db.conn.query('DELETE FROM customers WHERE id = 1');
  await db.conn.query('ALTER TABLE customers ADD COLUMN extra INT NULL');
  await db.conn.query(`INSERT INTO customers VALUES (4, 'alice@example.com', 'SSN-987-65-4321', NULL, 'hello TAIL-SECRET', 40, 7)`);

  const topic = cfg.topicFor('customers');
  let got: Awaited<ReturnType<typeof readDecoded>> = [];
  await waitFor(async () => (got = await readDecoded(kafka, cfg.schemasTopic, [topic])).length >= 7, 30_000, () => `${got.length} records\n${run.output()}`);
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0, run.output());

  const a1 = { id: 1, email: sha('alice@example.com'), phone: '****', note: 'hello ', amount: 10 };
  const a2 = { id: 2, email: null, phone: null, note: null, amount: 20 };
  const b = { id: 3, email: sha('bob@example.com'), phone: '****', note: 'short', amount: 30 };
  const c = { ...b, email: sha('carol@example.com'), amount: 31 };
  assert.deepEqual(
    got.map((r) => [r.value?.op ?? 'tombstone', r.key, r.value?.before ?? null, r.value?.after ?? null]),
    [
      ['r', { id: 1 }, null, a1],
      ['r', { id: 2 }, null, a2],
      ['c', { id: 3 }, null, b],
      ['u', { id: 3 }, b, c],
      ['d', { id: 1 }, a1, null],
      ['tombstone', { id: 1 }, null, null],
      ['c', { id: 4 }, null, { id: 4, email: sha('alice@example.com'), phone: null, note: 'hello ', amount: 40, extra: 7 }],
    ],
  );

  // Every byte Tributary wrote: the data topic, the schemas topic, the schema-change topic.
  const raw = await readTopics(kafka, [topic, cfg.schemasTopic, `${cfg.topicPrefix}._schema_changes`]);
  assert.ok(raw.some((r) => r.topic === cfg.schemasTopic) && raw.some((r) => r.topic.endsWith('._schema_changes')), 'schemas and schema changes were published');
  const bytes = Buffer.concat(raw.flatMap((r) => [r.key ?? Buffer.alloc(0), r.value ?? Buffer.alloc(0)]));
  const schemas = raw.filter((r) => r.topic === cfg.schemasTopic).map((r) => r.value?.toString() ?? '').join('\n');
  for (const secret of SECRETS) {
    assert.equal(bytes.includes(secret), false, `"${secret}" reached Kafka`);
    assert.equal(run.output().includes(secret), false, `"${secret}" is in the log`);
  }
  // The excluded column is in no published schema and no table definition (the ALTER's
  // definition of the table in the schema-change message lists the columns).
  const changes = Buffer.concat(raw.filter((r) => r.topic.endsWith('._schema_changes')).map((r) => r.value ?? Buffer.alloc(0)));
  assert.ok(changes.includes('extra') && changes.includes('email'), 'the definition lists the published columns');
  assert.equal(changes.includes('ssn'), false, 'ssn appears in a table definition');
  assert.equal(/"ssn"/.test(schemas), false, 'ssn appears in a published schema');
  assert.match(schemas, /"email"/);
});
