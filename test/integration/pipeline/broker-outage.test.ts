/**
 * "An unreachable broker loses nothing", against a real broker of this test's own: the
 * broker is stopped under a running pipeline while rows keep being written. The pipeline
 * must give up within a bounded time naming Kafka and a fix, with its checkpoint not past
 * the last transaction Kafka acknowledged; once the broker is back, a restart delivers
 * every row, in order per key, exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { ownDatabase } from '../../support/stack.js';
import { spawnTributary, startTributary, testPipelineConfig } from '../../support/pipeline-harness.js';
import { readPositioned } from '../../support/topic-reader.js';
import { delivered } from '../../support/delivered.js';
import { ChangeWriter } from '../../support/change-writer.js';
import { assertWrittenDelivered } from '../../support/written-delivered.js';
import { ChangeLog } from '../../support/change-log.js';
import { DedicatedKafka } from '../../support/dedicated-kafka.js';
import { gtidSeq } from '../../support/gtid-seq.js';

type Child = ReturnType<typeof spawnTributary>;

const RETRY_MAX_MS = 3000;
/** retry_max_ms, plus room for kafkajs's own request retries inside the last attempt. */
const EXIT_WITHIN_MS = RETRY_MAX_MS + 12_000;

test('a broker outage stops the pipeline naming Kafka, the checkpoint stays behind, a restart delivers everything', async (t) => {
  const broker = new DedicatedKafka({ port: 19192, controllerPort: 19193, stackDir: '.stack/t-outage' });
  const children: Child[] = [];
  let db: Awaited<ReturnType<typeof ownDatabase>> | null = null;
  t.after(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await db?.drop();
    // The broker and all its topics go away with its state directory.
    await broker.down();
    broker.remove();
  });
  await broker.up();
  const kafka = broker.client();
  db = await ownDatabase('t_outage');
  const cfg = testPipelineConfig({ db: db.name, kafka: { retry_max_ms: RETRY_MAX_MS }, snapshot: { mode: 'never' } });
  writeFileSync(cfg.file, cfg.toml.replace(/^brokers = .*$/m, `brokers = ${JSON.stringify(broker.brokers)}`));
  const topic = cfg.topicFor('items');
  await db.conn.query(ChangeWriter.createTableSql('items'));
  const writer = new ChangeWriter(db.conn, 'items');
  t.diagnostic(`writer seed ${writer.seed}`);

  const first = await startTributary(cfg, children);
  for (let i = 0; i < 40; i++) await writer.step();
  const beforeOutage = [...writer.transactions];
  await delivered(kafka, cfg, topic, beforeOutage);
  const lastBefore = beforeOutage.at(-1)!;

  await broker.down();
  const outageStarted = Date.now();
  for (let i = 0; i < 40; i++) await writer.step();
  const duringOutage = writer.transactions.slice(beforeOutage.length);
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([first.exited, new Promise((r) => (timer = setTimeout(() => r(`still running after ${EXIT_WITHIN_MS} ms`), EXIT_WITHIN_MS)))]);
  clearTimeout(timer);
  const exitMs = Date.now() - outageStarted;
  assert.equal(code, 1, first.output());
  const out = first.output();
  const failure = out.slice(out.lastIndexOf('tributary: '));
  assert.match(failure, /^tributary: could not produce to Kafka: .+\n {2}fix: check that the brokers in \[kafka\] brokers are reachable from this host and running\n$/);
  assert.match(out, /Kafka unavailable: could not produce to Kafka.*; retrying for up to 3.0 s/);
  t.diagnostic(`pipeline exited ${exitMs} ms after the first write of the outage`);

  // The checkpoint covers every transaction that reached Kafka and none that did not.
  // (Transactions of other databases on the shared server may sit between the two and
  // move it within that range; with none, it is exactly the last one before the outage.)
  const checkpoint = JSON.parse(readFileSync(cfg.checkpointPath, 'utf8')) as { position: { gtid: string } };
  const saved = gtidSeq(checkpoint.position.gtid);
  assert.ok(saved >= lastBefore.seq, `checkpoint ${checkpoint.position.gtid} is behind ${lastBefore.gtid}, which Kafka acked`);
  assert.ok(saved < duringOutage[0]!.seq, `checkpoint ${checkpoint.position.gtid} covers ${duringOutage[0]!.gtid}, written while Kafka was down`);
  t.diagnostic(`checkpoint ${checkpoint.position.gtid}; last transaction before the outage ${lastBefore.gtid}, first during it ${duringOutage[0]!.gtid}`);

  await broker.up();
  const second = await startTributary(cfg, children);
  assert.match(second.output(), new RegExp(`resuming from gtid ${checkpoint.position.gtid.replace(/[-,]/g, '\\$&')} `));
  for (let i = 0; i < 10; i++) await writer.step();
  await delivered(kafka, cfg, topic, writer.transactions);
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.output());

  const log = new ChangeLog(await readPositioned(kafka, cfg.schemasTopic, [topic]));
  assert.deepEqual(log.duplicates().map(ChangeLog.identity), [], 'nothing Kafka had acked is sent again');
  assertWrittenDelivered(writer, log);
  const [rows] = await db.conn.query('SELECT id, version, note FROM items ORDER BY id');
  const state = [...log.state().values()].sort((a, b) => (a.id as number) - (b.id as number));
  assert.deepEqual(state, (rows as Record<string, unknown>[]).map((r) => ({ ...r })));
});
