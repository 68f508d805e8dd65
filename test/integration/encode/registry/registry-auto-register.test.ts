/**
 * registry.auto_register = false against the real registry of the local stack: a value
 * schema nobody registered stops `tributary start` with REGISTRY_SCHEMA_MISSING, the subject
 * and the fix; the exact schema from its debug line, registered through the registry's REST
 * API as the fix says, is looked up on restart and its id is in the published frames.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { deleteTopics, ownDatabase, testKafka } from '../../../support/stack.js';
import { lastGtid } from '../../../support/last-gtid.js';
import { readCheckpointFile } from '../../../support/checkpoint-file.js';
import { gtidSeq } from '../../../support/gtid-seq.js';
import { readTopics, type RawRecord } from '../../../support/topic-reader.js';
import { runPipeline, spawnTributary, testPipelineConfig, waitFor, type TestPipelineConfig } from '../../../support/pipeline-harness.js';
import { frameSchemaId, REGISTRY_URL, registryApi, registryDecoder } from '../../../support/registry.js';

const REGISTERING = `[registry]\nurl = ${JSON.stringify(REGISTRY_URL)}\nretry_max_ms = 20000\nauto_register = true`;

/** The same pipeline (name, topics, checkpoint) with auto_register = false. */
function lookingUp(cfg: TestPipelineConfig): TestPipelineConfig {
  const toml = cfg.toml.replace('auto_register = true', 'auto_register = false');
  assert.notEqual(toml, cfg.toml);
  const file = cfg.file.replace(/\.toml$/, '-lookup.toml');
  writeFileSync(file, toml);
  return { ...cfg, toml, file };
}

/** avsc decodes records as class instances; compared as plain objects. */
function plain(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return v;
  if (Array.isArray(v)) return v.map(plain);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
}

test('auto_register = false: an unregistered value schema stops start with REGISTRY_SCHEMA_MISSING and the fix; registered as logged, a restart looks its id up and publishes with it', async (t) => {
  const db = await ownDatabase('t_regnoauto');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, extra: REGISTERING });
  const lookup = lookingUp(cfg);
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  const topic = cfg.topicFor('a');
  const subject = `${topic}-value`;
  await db.conn.query('CREATE TABLE a (id INT PRIMARY KEY, v INT NOT NULL)');

  // With auto_register the key, the first value schema and the schema-change topic's
  // subjects get registered; the ALTER's new value schema has no row yet, so it does not.
  const first = await runPipeline(cfg);
  try {
    await db.conn.query('INSERT INTO a VALUES (1, 1)');
    await db.conn.query('ALTER TABLE a ADD COLUMN w INT NULL');
    const changes = `${cfg.topicPrefix}._schema_changes`;
    await waitFor(async () => (await readTopics(kafka, [topic, changes])).length === 2, 30_000, () => first.logs.join(''));
  } finally {
    await first.stop();
  }
  assert.deepEqual(await registryApi<number[]>(`subjects/${subject}/versions`), [1]);
  await db.conn.query('INSERT INTO a VALUES (2, 2, 2)');
  const inserted = await lastGtid(db.conn);

  const refused = spawnTributary(['start', '--config', lookup.file, '--log-level', 'debug', '--log-format', 'json']);
  t.after(() => void refused.child.kill('SIGKILL'));
  const code = await refused.exited;
  const out = refused.output();
  assert.equal(code, 1, out);
  // With --log-format json the final report is a JSON line too.
  const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const report = lines.at(-1)!;
  assert.deepEqual([report.level, report.code, report.msg, report.fix], [
    'error',
    'REGISTRY_SCHEMA_MISSING',
    `the value schema of ${db.name}.a is not registered under subject ${subject} at ${REGISTRY_URL}, and registry.auto_register = false: The given schema does not match any schema under the subject ${subject}`,
    `register this schema under subject ${subject} (it is logged at debug level), or set registry.auto_register = true`,
  ], out);
  const logged = lines.filter((l) => l.level === 'debug' && l.subject === subject);
  assert.equal(logged.length, 1, out);
  assert.equal(logged[0]!.msg, `value schema of ${db.name}.a is not registered under subject ${subject}`);
  const schema = logged[0]!.schema as string;
  assert.deepEqual((JSON.parse(schema) as { fields: { name: string }[] }).fields.map((f) => f.name).slice(0, 2), ['before', 'after']);
  // Nothing of the refused row went out, and the checkpoint stayed before it.
  assert.equal((await readTopics(kafka, [topic])).length, 1);
  assert.ok(gtidSeq(readCheckpointFile(cfg.checkpointPath)!.position.gtid!) < gtidSeq(inserted));

  // The fix, as a user follows it: POST the logged text to the subject.
  const { id } = await registryApi<{ id: number }>(`subjects/${subject}/versions`, { method: 'POST', body: { schema } });
  const v1 = await registryApi<{ id: number }>(`subjects/${subject}/versions/1`);
  assert.notEqual(id, v1.id);
  assert.deepEqual(await registryApi<number[]>(`subjects/${subject}/versions`), [1, 2]);

  const restarted = await runPipeline(lookup);
  let raw: RawRecord[] = [];
  try {
    await waitFor(async () => (raw = await readTopics(kafka, [topic])).length >= 2, 30_000, () => restarted.logs.join(''));
    assert.ok(restarted.logs.some((l) => l.includes(`value schema of ${db.name}.a: subject ${subject}, schema id ${id} (looked up)`)), restarted.logs.join(''));
  } finally {
    await restarted.stop();
  }
  assert.deepEqual(raw.map((r) => frameSchemaId(r.value!)), [v1.id, id]);
  const decoded = plain(await registryDecoder().decode(raw[1]!.value!)) as { op: string; after: unknown };
  assert.deepEqual([decoded.op, decoded.after], ['c', { id: 2, v: 2, w: 2 }]);
  // Looking up registered nothing: still the two versions.
  assert.deepEqual(await registryApi<number[]>(`subjects/${subject}/versions`), [1, 2]);
});
