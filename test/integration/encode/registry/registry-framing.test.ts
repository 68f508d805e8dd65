/**
 * Registry mode against the real registry of the local stack (Apicurio, Confluent API):
 * every key and value of real pipeline output is decoded by @kafkajs/confluent-schema-registry,
 * a client nobody on this project wrote, and compared with the source rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deleteTopics, ownDatabase, testKafka } from '../../../support/stack.js';
import { checkpointCaughtUp } from '../../../support/checkpoint-caught-up.js';
import { lastGtid } from '../../../support/last-gtid.js';
import { readTopics, type RawRecord } from '../../../support/topic-reader.js';
import { runPipeline, spawnTributary, testPipelineConfig, waitFor, type TestPipelineConfig } from '../../../support/pipeline-harness.js';
import { frameSchemaId, REGISTRY_URL, RegistryRelay, registryApi, registryDecoder } from '../../../support/registry.js';
import { readCheckpointFile } from '../../../support/checkpoint-file.js';
import { gtidSeq } from '../../../support/gtid-seq.js';

type Kafka = ReturnType<typeof testKafka>;
type Db = Awaited<ReturnType<typeof ownDatabase>>;
interface Decoded {
  key: unknown;
  value: { op: string; before: unknown; after: unknown } | null;
  keyId: number | null;
  valueId: number | null;
}

const decoder = registryDecoder();

/** avsc decodes records as class instances; compared as plain objects. */
function plain(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return v;
  if (Array.isArray(v)) return v.map(plain);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
}

async function decodedTopic(kafka: Kafka, topic: string, atLeast: number): Promise<Decoded[]> {
  let raw: RawRecord[] = [];
  await waitFor(async () => {
    raw = await readTopics(kafka, [topic]);
    return raw.length >= atLeast;
  }, 30_000, () => `have ${raw.length} of ${atLeast} records on ${topic}`);
  const out: Decoded[] = [];
  for (const r of raw) {
    out.push({
      key: r.key ? plain(await decoder.decode(r.key)) : null,
      value: r.value ? (plain(await decoder.decode(r.value)) as Decoded['value']) : null,
      keyId: r.key ? frameSchemaId(r.key) : null,
      valueId: r.value ? frameSchemaId(r.value) : null,
    });
  }
  return out;
}

function registryToml(url: string, extra: Record<string, string | number | boolean> = {}): string {
  const lines = Object.entries({ url, retry_max_ms: 20_000, ...extra }).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
  return ['[registry]', ...lines].join('\n');
}


function setup(t: { after(fn: () => Promise<void>): void }, db: Db, kafka: Kafka, cfg: TestPipelineConfig): void {
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
}

test('registry mode: every key and value decodes with a Confluent client and equals the source row; an ADD COLUMN registers version 2', async (t) => {
  const db = await ownDatabase('t_reg');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, extra: registryToml(REGISTRY_URL) });
  setup(t, db, kafka, cfg);
  await db.conn.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, qty BIGINT NULL)');
  const pipeline = await runPipeline(cfg);
  const topic = cfg.topicFor('items');
  try {
    await db.conn.query("INSERT INTO items VALUES (1, 'one', 10), (2, 'two', NULL)");
    await db.conn.query("UPDATE items SET name = 'uno' WHERE id = 1");
    await db.conn.query('DELETE FROM items WHERE id = 2');
    await db.conn.query('ALTER TABLE items ADD COLUMN note VARCHAR(10) NULL');
    await db.conn.query("INSERT INTO items VALUES (3, 'three', 30, 'n3')");
    const got = await decodedTopic(kafka, topic, 6);
    assert.deepEqual(
      got.map((r) => [r.value?.op ?? 'tombstone', r.key, r.value?.before ?? null, r.value?.after ?? null]),
      [
        ['c', { id: 1 }, null, { id: 1, name: 'one', qty: 10 }],
        ['c', { id: 2 }, null, { id: 2, name: 'two', qty: null }],
        ['u', { id: 1 }, { id: 1, name: 'one', qty: 10 }, { id: 1, name: 'uno', qty: 10 }],
        ['d', { id: 2 }, { id: 2, name: 'two', qty: null }, null],
        ['tombstone', { id: 2 }, null, null],
        ['c', { id: 3 }, null, { id: 3, name: 'three', qty: 30, note: 'n3' }],
      ],
    );
    // Subjects by topic name; the ALTER made version 2 of the value subject, the key kept its id.
    assert.deepEqual(await registryApi<number[]>(`subjects/${topic}-value/versions`), [1, 2]);
    assert.deepEqual(await registryApi<number[]>(`subjects/${topic}-key/versions`), [1]);
    const v1 = await registryApi<{ id: number }>(`subjects/${topic}-value/versions/1`);
    const v2 = await registryApi<{ id: number }>(`subjects/${topic}-value/versions/2`);
    const key = await registryApi<{ id: number }>(`subjects/${topic}-key/versions/1`);
    assert.deepEqual(got.map((r) => r.valueId), [v1.id, v1.id, v1.id, v1.id, null, v2.id]);
    assert.deepEqual(new Set(got.map((r) => r.keyId)), new Set([key.id]));
    // Registry mode publishes no schema to the schemas topic: the registry holds them all,
    // the schema-change topic's two as well, under that topic's own subjects.
    assert.deepEqual(await readTopics(kafka, [cfg.schemasTopic], 5_000), []);
    const changesTopic = `${cfg.topicPrefix}._schema_changes`;
    const [change, ...more] = await decodedTopic(kafka, changesTopic, 1);
    assert.equal(more.length, 0);
    assert.deepEqual(change!.key, { databaseName: db.name });
    const value = change!.value as unknown as { ddl: string; kind: string; tableChanges: { id: string; table: { columns: { name: string }[] } }[] };
    assert.equal(value.ddl, 'ALTER TABLE items ADD COLUMN note VARCHAR(10) NULL');
    assert.equal(value.kind, 'ALTER TABLE');
    assert.deepEqual(value.tableChanges[0]!.table.columns.map((c) => c.name), ['id', 'name', 'qty', 'note']);
    const changeKey = await registryApi<{ id: number }>(`subjects/${changesTopic}-key/versions/1`);
    const changeValue = await registryApi<{ id: number }>(`subjects/${changesTopic}-value/versions/1`);
    assert.deepEqual([change!.keyId, change!.valueId], [changeKey.id, changeValue.id]);
  } finally {
    await pipeline.stop();
  }
});

test('registry mode: the three subject strategies name the subjects as Confluent does', async (t) => {
  const db = await ownDatabase('t_regsub');
  const kafka = testKafka();
  t.after(async () => {
    await db.drop();
  });
  await db.conn.query('CREATE TABLE a (id INT PRIMARY KEY, v INT NOT NULL)');
  for (const strategy of ['topic', 'record', 'topic_record'] as const) {
    const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'initial' }, extra: registryToml(REGISTRY_URL, { subject_strategy: strategy }) });
    t.after(() => deleteTopics(kafka, cfg.name));
    if (strategy === 'topic') await db.conn.query('INSERT INTO a VALUES (1, 1)');
    const pipeline = await runPipeline(cfg);
    try {
      const got = await decodedTopic(kafka, cfg.topicFor('a'), 1);
      assert.deepEqual(got[0]!.value?.after, { id: 1, v: 1 });
    } finally {
      await pipeline.stop();
    }
    const topic = cfg.topicFor('a');
    const ns = `${cfg.topicPrefix}.${db.name}.a`;
    const expected = {
      topic: [`${topic}-key`, `${topic}-value`],
      record: [`${ns}.Key`, `${ns}.Envelope`],
      topic_record: [`${topic}-${ns}.Key`, `${topic}-${ns}.Envelope`],
    }[strategy];
    const subjects = await registryApi<string[]>('subjects');
    assert.deepEqual(subjects.filter((s) => s.includes(cfg.name)).sort(), [...expected].sort(), strategy);
  }
});

test('registry mode: a change the subject refuses as incompatible stops tributary (exit 1) with the subject, the change and the fix; the checkpoint is before it', async (t) => {
  const db = await ownDatabase('t_regcompat');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, extra: registryToml(REGISTRY_URL) });
  setup(t, db, kafka, cfg);
  await db.conn.query('CREATE TABLE p (id INT PRIMARY KEY, v INT NOT NULL)');
  const run = spawnTributary(['start', '--config', cfg.file]);
  t.after(() => void run.child.kill('SIGKILL'));
  await waitFor(() => run.output().includes('streaming the binlog'), 30_000, run.output);
  await db.conn.query('INSERT INTO p VALUES (1, 1)');
  const before = await lastGtid(db.conn);
  await decodedTopic(kafka, cfg.topicFor('p'), 1);
  await checkpointCaughtUp(cfg.checkpointPath, before);
  // The global rule is BACKWARD, as Confluent's default: a field without a default cannot be read from old records.
  await db.conn.query('ALTER TABLE p ADD COLUMN w INT NOT NULL DEFAULT 0');
  await db.conn.query('INSERT INTO p VALUES (2, 2, 2)');
  const rejected = await lastGtid(db.conn);
  const code = await run.exited;
  const out = run.output();
  assert.equal(code, 1, out);
  const subject = `${cfg.topicFor('p')}-value`;
  assert.match(out, new RegExp(`refused the new value schema of ${db.name}\\.p under subject ${subject.replace(/\./g, '\\.')} as incompatible`));
  assert.match(out, /field Value\.w added without a default \(int\)/);
  assert.match(out, /fix: set the subject's compatibility/);
  const saved = readCheckpointFile(cfg.checkpointPath)!.position.gtid!;
  assert.ok(gtidSeq(saved) < gtidSeq(rejected), `checkpoint ${saved} must be before the refused change ${rejected}`);
  const got = await decodedTopic(kafka, cfg.topicFor('p'), 1);
  assert.equal(got.length, 1, 'nothing of the refused batch was published');
});

test('registry mode: a registry down at start is waited for, one cut mid-stream loses nothing, and basic auth is sent', async (t) => {
  const db = await ownDatabase('t_regout');
  const kafka = testKafka();
  const relay = new RegistryRelay(await RegistryRelay.freePort());
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, extra: registryToml(relay.url, { username: 'u1', password: 'p1' }) });
  setup(t, db, kafka, cfg);
  t.after(() => relay.close());
  await db.conn.query('CREATE TABLE o (id INT PRIMARY KEY, v VARCHAR(10) NOT NULL)');
  const startLogs: string[] = [];
  const starting = runPipeline(cfg, startLogs);
  // Opened only once the start has met the registry down, however long its checks before took.
  await waitFor(() => startLogs.some((l) => l.includes('schema registry unavailable')), 30_000, () => startLogs.join(''));
  await relay.open();
  const pipeline = await starting;
  try {
    assert.ok(pipeline.logs.some((l) => l.includes('schema registry unavailable') && l.includes(relay.url)), pipeline.logs.join(''));
    await db.conn.query("INSERT INTO o VALUES (1, 'a')");
    await decodedTopic(kafka, cfg.topicFor('o'), 1);
    await relay.close();
    await db.conn.query('ALTER TABLE o ADD COLUMN w INT NULL');
    await db.conn.query("INSERT INTO o VALUES (2, 'b', 2)");
    await db.conn.query("INSERT INTO o VALUES (3, 'c', 3)");
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal((await readTopics(kafka, [cfg.topicFor('o')])).length, 1, 'rows with the new schema wait for its id');
    await relay.open();
    const got = await decodedTopic(kafka, cfg.topicFor('o'), 3);
    assert.deepEqual(got.map((r) => r.value?.after), [{ id: 1, v: 'a' }, { id: 2, v: 'b', w: 2 }, { id: 3, v: 'c', w: 3 }]);
    await waitFor(() => pipeline.logs.some((l) => l.includes('schema registry available again')), 5_000, () => pipeline.logs.join(''));
  } finally {
    await pipeline.stop();
  }
  assert.ok(relay.requests.length >= 3, JSON.stringify(relay.requests));
  assert.deepEqual(new Set(relay.requests.map((r) => r.authorization)), new Set([`Basic ${Buffer.from('u1:p1').toString('base64')}`]));
});

test('registry mode: an unreachable registry is retried for registry.retry_max_ms, then named', async (t) => {
  const db = await ownDatabase('t_regdown');
  const kafka = testKafka();
  const url = `http://127.0.0.1:${await RegistryRelay.freePort()}/apis/ccompat/v7`;
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, extra: registryToml(url, { retry_max_ms: 3_000 }) });
  setup(t, db, kafka, cfg);
  const started = Date.now();
  const pipeline = await runPipeline(cfg);
  await assert.rejects(pipeline.done, (err: Error & { code?: string; fix?: string }) => {
    assert.equal(err.code, 'REGISTRY_UNAVAILABLE');
    assert.match(err.message, new RegExp(`cannot reach the schema registry at ${url.replace(/\./g, '\\.')} .*ECONNREFUSED`));
    assert.match(err.fix ?? '', /registry\.retry_max_ms/);
    return true;
  });
  assert.ok(Date.now() - started >= 1_000, 'it was retried');
  assert.ok(pipeline.logs.some((l) => l.includes('schema registry unavailable')));
});
