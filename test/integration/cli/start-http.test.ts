/**
 * `tributary start` with [http]: the process serves /healthz and /readyz while it streams,
 * and a listen address in use stops it at once with HTTP_LISTEN's message naming http.listen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deleteTopics, ownDatabase, testKafka } from '../../support/stack.js';
import { spawnTributary, startTributary, testPipelineConfig, waitFor } from '../../support/pipeline-harness.js';
import { freePort } from '../../support/free-port.js';
import { readyz } from '../../support/scrape.js';

type Child = ReturnType<typeof spawnTributary>;

test('tributary start serves /healthz and /readyz; a port in use is refused naming http.listen', { timeout: 90_000 }, async (t) => {
  const db = await ownDatabase('t_starthttp');
  const kafka = testKafka();
  const port = await freePort();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, extra: `[http]\nlisten = "127.0.0.1:${port}"\n` });
  const children: Child[] = [];
  t.after(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  const run = await startTributary(cfg, children);
  await waitFor(async () => (await readyz(port).catch(() => ({ state: '' }))).state === 'streaming', 15_000, run.output);
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  assert.match(run.output(), new RegExp(`serving /metrics, /healthz, /readyz and /status on http://127\\.0\\.0\\.1:${port}`));

  // A second process of another pipeline on the same address: refused before it touches anything.
  const other = testPipelineConfig({ db: db.name, extra: `[http]\nlisten = ${port}\n` });
  const second = spawnTributary(['start', '--config', other.file]);
  children.push(second);
  assert.equal(await second.exited, 1);
  assert.match(second.output(), new RegExp(`tributary: http\\.listen = "127\\.0\\.0\\.1:${port}": cannot listen \\(EADDRINUSE\\)\\n {2}fix: another process uses 127\\.0\\.0\\.1:${port}: set http\\.listen to a free port, or stop that process\\n`));
  assert.doesNotMatch(second.output(), /streaming the binlog/);

  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
});
