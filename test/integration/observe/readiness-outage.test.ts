/**
 * /readyz through a broker outage, against a broker of this test's own (stopped and started
 * again under the running pipeline): streaming before, retrying while produce requests fail
 * and are retried, streaming again once the broker is back, stopped after the stop; the
 * retries are counted under kind "Kafka".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { ownDatabase } from '../../support/stack.js';
import { runPipeline, testPipelineConfig, waitFor } from '../../support/pipeline-harness.js';
import { DedicatedKafka } from '../../support/dedicated-kafka.js';
import { lastGtid } from '../../support/last-gtid.js';
import { checkpointCaughtUp } from '../../support/checkpoint-caught-up.js';
import { freePort } from '../../support/free-port.js';
import { readyz, scrape, valueOf, watchReadiness } from '../../support/scrape.js';

test('/readyz says retrying while a broker outage is ridden out, streaming before and after, stopped at the end', { timeout: 240_000 }, async (t) => {
  const broker = new DedicatedKafka({ port: 19692, controllerPort: 19693, stackDir: '.stack/t-observe-outage' });
  const db = await ownDatabase('t_readyout');
  const port = await freePort();
  let run: Awaited<ReturnType<typeof runPipeline>> | null = null;
  const readiness = watchReadiness(port, 100);
  t.after(async () => {
    await readiness.stop();
    await run?.stop().catch(() => undefined);
    await run?.http?.close();
    await db.drop();
    await broker.down();
    broker.remove();
  });
  await broker.up();
  const base = testPipelineConfig({ db: db.name, kafka: { retry_max_ms: 180_000 }, snapshot: { mode: 'never' }, extra: `[http]\nlisten = ${port}\n` });
  const toml = base.toml.replace(/^brokers = .*$/m, `brokers = ${JSON.stringify(broker.brokers)}`);
  writeFileSync(base.file, toml);
  const cfg = { ...base, toml };
  await db.conn.query('CREATE TABLE items (id INT PRIMARY KEY, v INT NOT NULL)');
  run = await runPipeline(cfg);
  await db.conn.query('INSERT INTO items VALUES (1, 1)');
  await checkpointCaughtUp(cfg.checkpointPath, await lastGtid(db.conn));
  assert.deepEqual(await readyz(port), { status: 200, state: 'streaming' });
  // A broker just started may already have cost a retry (a topic's leader not yet elected).
  const retriesBefore = valueOf(await scrape(port), 'tributary_retries_total', { kind: 'Kafka' }) ?? 0;

  await broker.down();
  for (let i = 2; i <= 11; i++) await db.conn.query(`INSERT INTO items VALUES (${i}, ${i})`);
  const duringOutage = await lastGtid(db.conn);
  await waitFor(async () => (await readyz(port)).state === 'retrying', 90_000, () => readiness.states.join(', '));
  assert.deepEqual(await readyz(port), { status: 503, state: 'retrying' });
  assert.ok(valueOf(await scrape(port), 'tributary_retries_total', { kind: 'Kafka' })! >= retriesBefore + 1);
  assert.ok(valueOf(await scrape(port), 'tributary_messages_in_flight')! >= 10);

  await broker.up();
  await checkpointCaughtUp(cfg.checkpointPath, duringOutage, () => run!.logs.join(''));
  await waitFor(async () => (await readyz(port)).state === 'streaming', 30_000, () => readiness.states.join(', '));
  assert.equal(valueOf(await scrape(port), 'tributary_messages_in_flight'), 0);
  await run.stop();
  assert.deepEqual(await readyz(port), { status: 503, state: 'stopped' });
  await waitFor(() => readiness.states.at(-1) === '503 stopped', 5_000);
  // In the order seen: ready, riding the outage out, ready again, stopped.
  const seen = readiness.states.filter((s, i, all) => i === 0 || s !== all[i - 1]);
  // A broker coming back can flap (one request through, the next retried): in order, not exactly once each.
  const fromReady = seen.slice(seen.indexOf('200 streaming'));
  const expected = ['200 streaming', '503 retrying', '200 streaming', '503 stopped'];
  let at = 0;
  for (const state of fromReady) if (state === expected[at]) at++;
  assert.equal(at, expected.length, readiness.states.join(', '));
  assert.equal(fromReady.at(-1), '503 stopped', readiness.states.join(', '));
  assert.deepEqual([...new Set(fromReady)].sort(), ['200 streaming', '503 retrying', '503 stopped'], readiness.states.join(', '));
});
