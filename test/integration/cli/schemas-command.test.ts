/**
 * `tributary schemas --config <file>` against the real stack: after a pipeline published
 * rows of two tables (one of them altered in between), it prints every schema on the
 * schemas topic with its fingerprint, full record name and JSON, and counts them; with no
 * schemas topic yet it says so and succeeds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deleteTopics, ownDatabase, testKafka, uniqueName } from '../../support/stack.js';
import { runPipeline, spawnTributary, testPipelineConfig, waitFor } from '../../support/pipeline-harness.js';
import { readDecoded, readTopics } from '../../support/topic-reader.js';
import { REGISTRY_URL, registryApi } from '../../support/registry.js';

/** One printed schema: the `<fingerprint>  <name>` line and the JSON block under it. */
interface PrintedSchema {
  fingerprint: string;
  name: string;
  json: unknown;
}

/** Splits the command's stdout into schema blocks and the closing count line. */
function parseOutput(stdout: string): { schemas: PrintedSchema[]; countLine: string } {
  const blocks = stdout.trimEnd().split('\n\n');
  const countLine = blocks.pop() ?? '';
  const schemas = blocks.map((block) => {
    const newline = block.indexOf('\n');
    const header = /^([0-9a-f]{16}) {2}(\S+)$/.exec(block.slice(0, newline));
    assert.ok(header, `not a "<fingerprint>  <name>" line: ${block.slice(0, newline)}`);
    return { fingerprint: header[1]!, name: header[2]!, json: JSON.parse(block.slice(newline + 1)) as unknown };
  });
  return { schemas, countLine };
}

test('prints every schema on the schemas topic with its fingerprint and full name, and counts them', async (t) => {
  const db = await ownDatabase('t_schemas');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE orders (id INT PRIMARY KEY, qty INT NOT NULL)');
  await db.conn.query('CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL)');
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query('INSERT INTO orders VALUES (1, 10)');
    await db.conn.query("INSERT INTO customers VALUES (1, 'ada')");
    // A new column is a new value schema; the key (id) stays the same schema.
    await db.conn.query('ALTER TABLE orders ADD COLUMN note VARCHAR(20) NULL');
    await db.conn.query("INSERT INTO orders VALUES (2, 20, 'second')");
    const topics = [cfg.topicFor('orders'), cfg.topicFor('customers')];
    let got = 0;
    await waitFor(async () => (got = (await readDecoded(kafka, cfg.schemasTopic, topics)).length) === 3, 30_000, () => `${got} of 3 records`);
  } finally {
    await pipeline.stop();
  }

  // What a consumer finds on the schemas topic: distinct fingerprints and their JSON.
  const onTopic = new Map<string, string>();
  for (const r of await readTopics(kafka, [cfg.schemasTopic])) onTopic.set(r.key!.toString(), r.value!.toString());
  const ns = `${cfg.topicPrefix}.${db.name}`;
  const names = [...onTopic.values()].map((json) => {
    const s = JSON.parse(json) as { name: string; namespace: string };
    return `${s.namespace}.${s.name}`;
  });
  // Each table schema's namespace ends in its generation tag (docs/schema-fingerprints.md);
  // the ALTER is also a schema-change message, whose two fixed schemas are published with it.
  const untagged = (name: string) => name.replace(/\.v[0-9a-f]{16}\.(Key|Envelope)$/, '.$1');
  const tables = names.filter((n) => !n.startsWith('io.tributary.'));
  assert.ok(tables.every((n) => untagged(n) !== n), names.join(', '));
  assert.equal(new Set(tables).size, 5, 'the two orders envelopes have different names');
  assert.deepEqual(names.map(untagged).sort(), [
    'io.tributary.SchemaChangeKey',
    'io.tributary.SchemaChangeValue',
    `${ns}.customers.Envelope`,
    `${ns}.customers.Key`,
    `${ns}.orders.Envelope`,
    `${ns}.orders.Envelope`,
    `${ns}.orders.Key`,
  ].sort());

  const run = spawnTributary(['schemas', '--config', cfg.file]);
  let stdout = '';
  run.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  assert.equal(await run.exited, 0, run.output());
  const { schemas, countLine } = parseOutput(stdout);

  assert.equal(countLine, `${onTopic.size} schema(s) on ${cfg.schemasTopic}`);
  assert.equal(schemas.length, 7, stdout);
  assert.deepEqual(new Set(schemas.map((s) => s.fingerprint)), new Set(onTopic.keys()), 'each fingerprint printed once');
  for (const s of schemas) {
    const published = JSON.parse(onTopic.get(s.fingerprint)!) as { name: string; namespace: string };
    assert.equal(s.name, `${published.namespace}.${published.name}`);
    assert.deepEqual(s.json, published, `the JSON printed under ${s.fingerprint} is the published schema`);
  }
  assert.deepEqual(schemas.map((s) => s.name).sort(), names.sort());
  // The two orders envelopes differ by the added column.
  const ordersEnvelopes = schemas.filter((s) => untagged(s.name) === `${ns}.orders.Envelope`);
  const rowFields = (s: PrintedSchema) =>
    ((s.json as { fields: { name: string; type: unknown[] }[] }).fields[0]!.type[1] as { fields: { name: string }[] }).fields.map((f) => f.name);
  assert.deepEqual(ordersEnvelopes.map(rowFields).sort((a, b) => a.length - b.length), [['id', 'qty'], ['id', 'qty', 'note']]);
});

test('with no schemas topic yet it says so and exits 0, without creating the topic', async (t) => {
  const db = await ownDatabase('t_schemas_none');
  const kafka = testKafka();
  const schemasTopic = uniqueName('t_no_schemas');
  const cfg = testPipelineConfig({ db: db.name, kafka: { schemas_topic: schemasTopic }, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, schemasTopic);
    await db.drop();
  });
  const run = spawnTributary(['schemas', '--config', cfg.file]);
  assert.equal(await run.exited, 0, run.output());
  assert.equal(run.output(), `no schemas yet: topic ${schemasTopic} does not exist\n`);
  const admin = kafka.admin();
  await admin.connect();
  try {
    assert.equal((await admin.listTopics()).includes(schemasTopic), false);
  } finally {
    await admin.disconnect();
  }
});

test("registry mode: lists each version of each subject of the pipeline\'s topics with its id, the schema-change topic's included", async (t) => {
  const db = await ownDatabase('t_schemas_reg');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, extra: `[registry]\nurl = ${JSON.stringify(REGISTRY_URL)}\nretry_max_ms = 20000` });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE orders (id INT PRIMARY KEY, qty INT NOT NULL)');
  await db.conn.query('CREATE TABLE customers (id INT PRIMARY KEY)');
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query('INSERT INTO orders VALUES (1, 10)');
    await db.conn.query('ALTER TABLE orders ADD COLUMN note VARCHAR(20) NULL');
    await db.conn.query("INSERT INTO orders VALUES (2, 20, 'second')");
    await waitFor(async () => (await readTopics(kafka, [cfg.topicFor('orders')])).length === 2, 30_000);
  } finally {
    await pipeline.stop();
  }
  const orders = cfg.topicFor('orders');
  const ns = `${cfg.topicPrefix}.${db.name}.orders`;
  const version = (subject: string, v: number) => registryApi<{ id: number; schema: string }>(`subjects/${subject}/versions/${v}`);
  const [key, v1, v2] = [await version(`${orders}-key`, 1), await version(`${orders}-value`, 1), await version(`${orders}-value`, 2)];
  const changes = `${cfg.topicPrefix}._schema_changes`;
  const [changeKey, changeValue] = [await version(`${changes}-key`, 1), await version(`${changes}-value`, 1)];

  const run = spawnTributary(['schemas', '--config', cfg.file]);
  let stdout = '';
  run.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  assert.equal(await run.exited, 0, run.output());
  const blocks = stdout.trimEnd().split('\n\n');
  // customers has no row yet, so no subject; other pipelines' subjects in the registry are not listed.
  // The schema-change topic's subjects too; the schemas topic holds nothing in registry mode.
  assert.deepEqual(blocks.map((b) => b.split('\n')[0]), [
    `registry mode: the schemas of the table topics and the schema-change topic are in the schema registry at ${REGISTRY_URL} (subject_strategy topic)`,
    `${changes}-key  version 1  id ${changeKey.id}  io.tributary.SchemaChangeKey`,
    `${changes}-value  version 1  id ${changeValue.id}  io.tributary.SchemaChangeValue`,
    `${orders}-key  version 1  id ${key.id}  ${ns}.Key`,
    `${orders}-value  version 1  id ${v1.id}  ${ns}.Envelope`,
    `${orders}-value  version 2  id ${v2.id}  ${ns}.Envelope`,
    `5 version(s) of 4 subject(s) in the schema registry at ${REGISTRY_URL}`,
  ], stdout);
  assert.deepEqual(JSON.parse(blocks[5]!.slice(blocks[5]!.indexOf('\n') + 1)), JSON.parse(v2.schema), 'the JSON printed is the registered schema');
});
