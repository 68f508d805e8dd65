/**
 * `tributary start` with stderr on a pipe, as under systemd or in a container: every log
 * line is JSON with the pipeline's name, and a failure's line carries its code and fix.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { spawnTributary, testPipelineConfig, waitFor } from '../../support/pipeline-harness.js';
import { deleteTopics, ownDatabase, testKafka } from '../../support/stack.js';

function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line: ${l}`);
      }
    });
}

test('stderr not a terminal: JSON lines with pipeline, component and level; a failure carries code and fix', { timeout: 60_000 }, async (t) => {
  const db = await ownDatabase('t_logjson');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  const run = spawnTributary(['start', '--config', cfg.file, '--log-format', 'json']);
  const plain = spawnTributary(['start', '--config', cfg.file.replace(/pipeline\.toml$/, 'missing.toml')], {}, { defaultLogFormat: true });
  t.after(() => void run.child.kill('SIGKILL'));
  await waitFor(() => run.output().includes('streaming the binlog'), 30_000, run.output);
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0, run.output());
  const lines = jsonLines(run.output());
  assert.ok(lines.length >= 3, run.output());
  for (const l of lines) {
    assert.equal(l['pipeline'], cfg.name, JSON.stringify(l));
    assert.match(String(l['component']), /^tributary(\.|$)/);
    assert.ok(['debug', 'info', 'warn', 'error'].includes(String(l['level'])), JSON.stringify(l));
    assert.match(String(l['time']), /^\d{4}-\d\d-\d\dT/);
  }
  assert.ok(lines.some((l) => l['component'] === 'tributary.binlog' && String(l['msg']).startsWith('streaming the binlog')));
  assert.ok(lines.some((l) => String(l['msg']).startsWith('stopped; checkpoint at')));

  // The default on a pipe is JSON too, and a failure is one error line with the code and the fix.
  assert.equal(await plain.exited, 2);
  const [failure] = jsonLines(plain.output());
  assert.equal(failure!['level'], 'error');
  assert.equal(failure!['code'], 'CONFIG_NOT_FOUND');
  assert.equal(typeof failure!['fix'], 'string');

  writeFileSync(cfg.file, cfg.toml.replace('password = "tributary"', 'password = "wrong-password-9"'));
  const denied = spawnTributary(['start', '--config', cfg.file, '--log-format', 'json']);
  assert.equal(await denied.exited, 1, denied.output());
  const last = jsonLines(denied.output()).at(-1)!;
  assert.equal(last['level'], 'error');
  assert.equal(last['code'], 'MYSQL_AUTH');
  assert.equal(last['pipeline'], cfg.name);
  assert.match(String(last['fix']), /check source\.user and source\.password/);
  assert.equal(denied.output().includes('wrong-password-9'), false, 'the password is in the log');
});
