/**
 * Configs that used to run silently wrong: an include that matches nothing streamed
 * nothing without a word, and a second pipeline with the same server_id knocked the first
 * off the server. Each is now named at start (and by validate) with the fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import ZongJi from '@vlasky/zongji';
import { ownDatabase, testKafka, deleteTopics, PIPELINE_USER } from '../../support/stack.js';
import { runPipeline, spawnTributary, startTributary, testPipelineConfig, waitFor } from '../../support/pipeline-harness.js';
import { readDecoded } from '../../support/topic-reader.js';
import { TributaryError } from '../../../src/errors/tributary-error.js';

/** Resolves with the exit code, or null if the process still runs after `ms`. */
function exitWithin(run: ReturnType<typeof spawnTributary>, ms: number): Promise<number | null> {
  return Promise.race([run.exited, new Promise<null>((r) => setTimeout(() => r(null), ms))]);
}

test('an include that matches no table is named at start and by validate, with the likely intended name', async (t) => {
  const db = await ownDatabase('t_noinc');
  t.after(() => db.drop());
  await db.conn.query('CREATE TABLE orders (id INT PRIMARY KEY)');
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  const typo = cfg.toml.replace(`include = ["${db.name}.*"]`, `include = ["${db.name}.ordres"]`);
  assert.notEqual(typo, cfg.toml);
  writeFileSync(cfg.file, typo);
  t.after(() => deleteTopics(testKafka(), cfg.name));
  const expected = `include "${db.name}.ordres" matches no existing table; did you mean "${db.name}.orders"?`;

  const validate = spawnTributary(['validate', '--config', cfg.file]);
  assert.equal(await validate.exited, 0);
  assert.match(validate.output(), new RegExp(`^${cfg.file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: valid`, 'm'));
  assert.ok(validate.output().includes(`warning: ${expected}\n`), validate.output());

  const running = await runPipeline({ ...cfg, toml: typo });
  t.after(() => running.stop().catch(() => undefined));
  const warnings = running.logs.filter((l) => l.includes('matches no existing table'));
  assert.equal(warnings.length, 1, running.logs.join(''));
  assert.ok(warnings[0]!.endsWith(` WARN  [tributary] ${expected}\n`), warnings[0]);
  await running.stop();
});

test('validate without a reachable server still says the file is valid, and that the server check was skipped', async () => {
  const cfg = testPipelineConfig({ db: 'unused', source: { port: 1 } });
  const run = spawnTributary(['validate', '--config', cfg.file]);
  assert.equal(await run.exited, 0);
  assert.match(run.output(), /: valid \(pipeline "t_pipe_[0-9a-f]+"\)\nserver check skipped: cannot reach MySQL at 127\.0\.0\.1:1 /);
});

test('a second pipeline with the same server_id is refused, and the first keeps streaming', async (t) => {
  const db = await ownDatabase('t_sameid');
  t.after(() => db.drop());
  await db.conn.query('CREATE TABLE items (id INT PRIMARY KEY, note VARCHAR(20))');
  const first = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  const serverId = Number(/server_id = (\d+)/.exec(first.toml)![1]);
  const second = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, source: { server_id: serverId } });
  const kafka = testKafka();
  t.after(() => deleteTopics(kafka, first.name));
  t.after(() => deleteTopics(kafka, second.name));
  const children: ReturnType<typeof spawnTributary>[] = [];
  t.after(() => children.forEach((c) => c.child.kill('SIGKILL')));

  const a = await startTributary(first, children);
  const b = spawnTributary(['start', '--config', second.file]);
  children.push(b);
  assert.equal(await exitWithin(b, 20_000), 1, b.output());
  assert.match(b.output(), new RegExp(`server_id ${serverId} is already in use on MySQL at 127\\.0\\.0\\.1:\\d+ by another Tributary pipeline \\(connection \\d+, tributary@127\\.0\\.0\\.1:\\d+\\)`));
  assert.match(b.output(), /fix: give this pipeline its own \[source\] server_id/);
  assert.equal(existsSync(second.checkpointPath), false);

  // Written after the refusal: only a first pipeline still on the binlog can publish it.
  await db.conn.query("INSERT INTO items VALUES (1, 'after')");
  const topic = first.topicFor('items');
  await waitFor(async () => (await readDecoded(kafka, first.schemasTopic, [topic]).catch(() => [])).length > 0, 20_000, a.output);
  const records = await readDecoded(kafka, first.schemasTopic, [topic]);
  assert.deepEqual(records.map((r) => [r.value?.op, r.value?.after]), [['c', { id: 1, note: 'after' }]]);
  assert.equal(await exitWithin(a, 0), null, a.output());
  assert.doesNotMatch(a.output(), /MYSQL_REPLICA_CONFLICT|same server_id|ERROR/);
});

test('a [source] server_id equal to the server\'s own is refused by start and validate', async () => {
  const cfg = testPipelineConfig({ db: 'unused', source: { server_id: 1 } });
  const start = spawnTributary(['start', '--config', cfg.file]);
  assert.equal(await exitWithin(start, 20_000), 1, start.output());
  assert.match(start.output(), /\[source\] server_id 1 is the server_id of MySQL at 127\.0\.0\.1:\d+ itself/);
  assert.match(start.output(), /fix: choose a \[source\] server_id other than the server's own \(@@server_id = 1\)/);
  assert.equal(existsSync(cfg.checkpointPath), false);

  const validate = spawnTributary(['validate', '--config', cfg.file]);
  assert.equal(await validate.exited, 2);
  assert.match(validate.output(), /\[source\] server_id 1 is the server_id of MySQL at 127\.0\.0\.1:\d+ itself/);
});

test('a pipeline knocked off by another replica with its server_id says so and stops', async (t) => {
  const db = await ownDatabase('t_kicked');
  t.after(() => db.drop());
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(() => deleteTopics(testKafka(), cfg.name));
  const serverId = Number(/server_id = (\d+)/.exec(cfg.toml)![1]);
  const running = await runPipeline(cfg);
  t.after(() => running.stop().catch(() => undefined));

  // A replica that does not hold Tributary's claim (another tool): the server drops the pipeline.
  const intruder = new ZongJi({ host: PIPELINE_USER.host, port: PIPELINE_USER.port, user: PIPELINE_USER.user, password: PIPELINE_USER.password });
  intruder.on('error', () => undefined);
  t.after(() => intruder.stop());
  intruder.start({ serverId, startAtEnd: true, includeEvents: ['rotate'] });

  const failure = await running.done.then(
    () => null,
    (err: unknown) => err,
  );
  assert.ok(failure instanceof TributaryError, String(failure));
  assert.equal(failure.code, 'MYSQL_REPLICA_CONFLICT');
  assert.equal(failure.retriable, false);
  assert.match(failure.message, /dropped this pipeline's binlog connection: another replica connected with the same \[source\] server_id/);
});
