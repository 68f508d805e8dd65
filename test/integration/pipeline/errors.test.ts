/**
 * Bad input gets a clear error naming the problem and the fix, and nothing is lost: the
 * checkpoint never moves past data that did not reach Kafka.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { ownDatabase, testKafka, deleteTopics } from '../../support/stack.js';
import { spawnTributary, testPipelineConfig } from '../../support/pipeline-harness.js';

const REPO = new URL('../../..', import.meta.url).pathname;

test('validate lists every bad key with its path and exits non-zero; start refuses the same file', async () => {
  const cfg = testPipelineConfig({ db: 'unused' });
  const bad = cfg.file.replace('pipeline.toml', 'bad.toml');
  writeFileSync(bad, cfg.toml.replace('host = ', 'hots = ').replace(/port = \d+/, 'port = "abc"').replace(/brokers = .*/, 'brokers = []'));
  const validate = spawnTributary(['validate', '--config', bad]);
  assert.equal(await validate.exited, 2);
  const out = validate.output();
  assert.match(out, /source\.hots: unknown key \(did you mean "host"\?\)/);
  assert.match(out, /source\.port: expected integer 1\.\.65535/);
  assert.match(out, /kafka\.brokers: expected at least one "host:port"/);

  const start = spawnTributary(['start', '--config', bad]);
  assert.equal(await start.exited, 2);
  assert.match(start.output(), /source\.hots/);

  const good = spawnTributary(['validate', '--config', cfg.file]);
  assert.equal(await good.exited, 0);
  assert.match(good.output(), /valid/);
});

test('a wrong password fails at once with the login named and no checkpoint written', async () => {
  const cfg = testPipelineConfig({ db: 'unused', source: { password: 'wrong-password' } });
  const run = spawnTributary(['start', '--config', cfg.file]);
  assert.equal(await run.exited, 1);
  assert.match(run.output(), /refused the login/);
  assert.match(run.output(), /fix: check source\.user and source\.password/);
  assert.equal(existsSync(cfg.checkpointPath), false);
});

test('a server with binlog_format=STATEMENT is refused with the setting and the fix named', async (t) => {
  const env = { ...process.env, MARIADB_INSTANCE: 'stmt', MARIADB_PORT: '3308', MARIADB_BINLOG_FORMAT: 'STATEMENT', MARIADB_SERVER_ID: '2' };
  execFileSync('bash', [`${REPO}/scripts/stack/mariadb.sh`, 'up'], { env, stdio: 'pipe' });
  t.after(() => execFileSync('bash', [`${REPO}/scripts/stack/mariadb.sh`, 'down'], { env, stdio: 'pipe' }));
  const cfg = testPipelineConfig({ db: 'unused', source: { port: 3308 } });
  const run = spawnTributary(['start', '--config', cfg.file]);
  assert.equal(await run.exited, 1);
  assert.match(run.output(), /binlog_format is STATEMENT, needs ROW/);
  assert.match(run.output(), /SET GLOBAL binlog_format = 'ROW'/);
  assert.equal(existsSync(cfg.checkpointPath), false);
});

test('an unreachable broker is retried for retry_max_ms, then named, and nothing is checkpointed', async (t) => {
  const db = await ownDatabase('t_nobroker');
  t.after(() => db.drop());
  const cfg = testPipelineConfig({ db: db.name, kafka: { retry_max_ms: 4000 } });
  writeFileSync(cfg.file, cfg.toml.replace(/brokers = .*/, 'brokers = ["127.0.0.1:1"]'));
  const run = spawnTributary(['start', '--config', cfg.file]);
  assert.equal(await run.exited, 1);
  assert.match(run.output(), /Kafka unavailable: could not connect to Kafka.*; retrying for up to 4.0 s/);
  assert.match(run.output(), /could not connect to Kafka/);
  assert.match(run.output(), /fix: check that the brokers in \[kafka\] brokers are reachable/);
  assert.equal(existsSync(cfg.checkpointPath), false);
  await deleteTopics(testKafka(), cfg.name);
});
