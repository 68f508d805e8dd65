/**
 * `tributary tail` on registry-mode output, as a user runs it (a child process): with the
 * pipeline's [registry] it fetches each schema id from the local stack's registry and
 * prints exact values on both sides of an ALTER (a new value id mid-topic), and still
 * reads the schema-change topic (single-object framing); without [registry] a Confluent
 * frame stops it with the fix named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { deleteTopics, ownDatabase, testKafka } from '../../support/stack.js';
import { runPipeline, spawnTributary, testPipelineConfig, waitFor, type TestPipelineConfig } from '../../support/pipeline-harness.js';
import { readTopics, type RawRecord } from '../../support/topic-reader.js';
import { frameSchemaId, REGISTRY_URL } from '../../support/registry.js';

const REGISTRY_TOML = `[registry]\nurl = ${JSON.stringify(REGISTRY_URL)}\nretry_max_ms = 20000`;

async function tail(file: string, args: string[]): Promise<{ code: number | null; lines: Record<string, any>[]; output: string }> {
  const run = spawnTributary(['tail', '--config', file, ...args]);
  const code = await run.exited;
  const output = run.output();
  const lines = output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>);
  return { code, lines, output };
}

/** The same pipeline's config with its [registry] section left out. */
function withoutRegistry(cfg: TestPipelineConfig): string {
  const file = cfg.file.replace(/\.toml$/, '-no-registry.toml');
  writeFileSync(file, cfg.toml.replace(REGISTRY_TOML, ''));
  return file;
}

test('tail in registry mode prints exact values across an ALTER, fetching each schema id, and reads the schema-change topic too', async (t) => {
  const db = await ownDatabase('t_tailreg');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, extra: REGISTRY_TOML });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE items (id BIGINT UNSIGNED PRIMARY KEY, price DECIMAL(10,2) NOT NULL, big BIGINT NOT NULL, data BLOB, note VARCHAR(20) NULL, tm TIME NULL)');
  const topic = cfg.topicFor('items');
  let raw: RawRecord[] = [];
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query("INSERT INTO items VALUES (18446744073709551615, 123.45, -9223372036854775808, x'00ff10', NULL, '-838:59:59')");
    await db.conn.query('ALTER TABLE items MODIFY price DECIMAL(12,4) NOT NULL');
    await db.conn.query("INSERT INTO items VALUES (1, 1.2345, 9223372036854775807, NULL, 'n', '838:59:59')");
    await db.conn.query('DELETE FROM items WHERE id = 1');
    await waitFor(async () => (raw = await readTopics(kafka, [topic])).length === 4, 30_000, () => `${raw.length} of 4 records`);
  } finally {
    await pipeline.stop();
  }
  // Confluent frames, and the ALTER gave the value a second id: tail has two value ids to fetch.
  const valueIds = raw.map((r) => (r.value ? frameSchemaId(r.value) : null));
  assert.equal(valueIds[0] !== valueIds[1] && valueIds[1] === valueIds[2] && valueIds[3] === null, true, `value ids ${valueIds.join(',')}`);

  const all = await tail(cfg.file, ['--topic', topic, '--from-beginning']);
  assert.equal(all.code, 0, all.output);
  assert.deepEqual(
    all.lines.map((l) => [l.offset, l.key, l.value?.op ?? null, l.value?.before ?? null, l.value?.after ?? null]),
    [
      ['0', { id: '18446744073709551615' }, 'c', null, {
        id: '18446744073709551615',
        price: '123.45',
        big: '-9223372036854775808',
        data: Buffer.from([0x00, 0xff, 0x10]).toString('base64'),
        note: null,
        tm: { micros: '-3020399000000', iso: '-838:59:59.000000' },
      }],
      ['1', { id: '1' }, 'c', null, { id: '1', price: '1.2345', big: '9223372036854775807', data: null, note: 'n', tm: { micros: '3020399000000', iso: '838:59:59.000000' } }],
      ['2', { id: '1' }, 'd', { id: '1', price: '1.2345', big: '9223372036854775807', data: null, note: 'n', tm: { micros: '3020399000000', iso: '838:59:59.000000' } }, null],
      ['3', { id: '1' }, null, null, null],
    ],
    all.output,
  );
  assert.equal(all.lines[0]!.value.source.db, db.name);

  // The schema-change topic is Confluent-framed too, its two schemas registered under its own subjects.
  const ddl = await tail(cfg.file, ['--topic', `${cfg.topicPrefix}._schema_changes`, '--from-beginning']);
  assert.equal(ddl.code, 0, ddl.output);
  assert.deepEqual(ddl.lines.map((l) => [l.key, l.value.ddl]), [[{ databaseName: db.name }, 'ALTER TABLE items MODIFY price DECIMAL(12,4) NOT NULL']], ddl.output);
});

test('tail of a Confluent frame without [registry] stops with the schema id and names the [registry] fix', async (t) => {
  const db = await ownDatabase('t_tailnoreg');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, extra: REGISTRY_TOML });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE t (id INT PRIMARY KEY)');
  const topic = cfg.topicFor('t');
  let raw: RawRecord[] = [];
  const pipeline = await runPipeline(cfg);
  try {
    await db.conn.query('INSERT INTO t VALUES (1)');
    await waitFor(async () => (raw = await readTopics(kafka, [topic])).length === 1, 30_000);
  } finally {
    await pipeline.stop();
  }
  const keyId = frameSchemaId(raw[0]!.key!);
  const res = await tail(withoutRegistry(cfg), ['--topic', topic, '--from-beginning']);
  assert.equal(res.code, 1, res.output);
  assert.equal(res.lines.length, 0, res.output);
  assert.equal(
    res.output,
    `tributary: message is in the Confluent wire format (schema id ${keyId}): its schema is in a schema registry, and no [registry] is configured\n` +
      '  fix: add the [registry] section of the pipeline that wrote this topic (url, and credentials or TLS files if it needs them) to the config file, so that the schema can be fetched by its id\n',
  );
});
