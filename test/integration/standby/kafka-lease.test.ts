/**
 * A standby that takes over: two `tributary start` processes of one pipeline with
 * [standby] enabled. One streams, the other waits without touching the binlog. A kill -9 of
 * the active one makes the standby take over, lease_ms after the last renewal, from the
 * saved checkpoint; a graceful stop releases the lease, so the next standby takes over at
 * once. Under a writer throughout, nothing is lost, and at no moment do two processes read
 * the binlog (sampled on the server itself).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { adminConnection, deleteTopics, ownDatabase, testKafka } from '../../support/stack.js';
import { spawnTributary, startTributary, testPipelineConfig, waitFor } from '../../support/pipeline-harness.js';
import { readPositioned } from '../../support/topic-reader.js';
import { delivered } from '../../support/delivered.js';
import { ChangeWriter } from '../../support/change-writer.js';
import { assertWrittenDelivered } from '../../support/written-delivered.js';
import { ChangeLog } from '../../support/change-log.js';

type Child = ReturnType<typeof spawnTributary>;
const LEASE_MS = 3_000;

test('a standby waits, takes over after a kill -9 of the active process and at once after a graceful stop; nothing lost', { timeout: 180_000 }, async (t) => {
  const db = await ownDatabase('t_standby');
  const kafka = testKafka();
  // A MySQL user of this test's own, so the server's PROCESSLIST shows exactly this
  // pipeline's binlog readers, whatever else runs against the shared server.
  const user = `t_sb_${db.name.slice(-8)}`;
  await db.conn.query(`CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY 'standby'`);
  await db.conn.query(`GRANT SELECT, RELOAD, SHOW DATABASES, LOCK TABLES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '${user}'@'127.0.0.1'`);
  await db.conn.query(`GRANT ALL PRIVILEGES ON \`_tributary\`.* TO '${user}'@'127.0.0.1'`);
  const base = testPipelineConfig({ db: db.name, source: { user, password: 'standby' }, checkpoint: { store: 'kafka' }, snapshot: { mode: 'never' } });
  const cfg = { ...base };
  writeFileSync(
    cfg.file,
    `${base.toml.replace('store = "kafka"', `store = "kafka"\ntopic = "${base.name}_checkpoints"`)}\n[standby]\nenabled = true\nlease_ms = ${LEASE_MS}\ntopic = "${base.name}_leases"\n`,
  );
  const children: Child[] = [];
  const writerConn = await adminConnection(db.name);
  const monitor = await adminConnection();
  await db.conn.query(ChangeWriter.createTableSql('items'));
  const writer = new ChangeWriter(writerConn, 'items');
  t.diagnostic(`writer seed ${writer.seed}`);
  let sampling = true;
  let maxDumps = 0;
  const overlaps: string[] = [];
  // A steady trickle (about 50 transactions a second), so every phase has writes in flight.
  let writing = false;
  let writes: Promise<void> = Promise.resolve();
  const startWriting = () => {
    writing = true;
    writes = (async () => {
      while (writing) {
        await writer.step();
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
  };
  const reach = async (n: number) => {
    while (writer.count < n) await new Promise((r) => setTimeout(r, 20));
  };
  const stopWriting = async () => {
    writing = false;
    await writes;
  };
  t.after(async () => {
    sampling = false;
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await stopWriting().catch(() => undefined);
    await writerConn.end();
    await monitor.end();
    await deleteTopics(kafka, base.name);
    await db.conn.query(`DROP USER IF EXISTS '${user}'@'127.0.0.1'`);
    await db.drop();
  });
  // Binlog readers of this pipeline's user, on the server itself, every 50 ms.
  const sampler = (async () => {
    while (sampling) {
      const [rows] = await monitor.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ? AND COMMAND LIKE 'Binlog Dump%'", [user]);
      const n = Number((rows as { n: number }[])[0]!.n);
      if (n > 1) overlaps.push(`${new Date().toISOString()} ${n} binlog readers`);
      maxDumps = Math.max(maxDumps, n);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();

  const first = await startTributary(cfg, children);
  assert.match(first.output(), /holding the lease of pipeline \S+ \(no holder ever\); this process is active/);
  startWriting();
  await reach(20);
  const second = spawnTributary(['start', '--config', cfg.file]);
  children.push(second);
  await waitFor(() => /standby: pipeline \S+ is active on /.test(second.output()), 30_000, second.output);
  await reach(writer.count + 30);
  assert.doesNotMatch(second.output(), /streaming the binlog/, 'the standby must not read the binlog while the active one lives');

  first.child.kill('SIGKILL');
  const killedAt = Date.now();
  await waitFor(() => second.output().includes('streaming the binlog'), 60_000, second.output);
  const takeoverMs = Date.now() - killedAt;
  assert.match(second.output(), /holding the lease of pipeline \S+ \(no renewal for \d+ ms\)/);
  assert.ok(takeoverMs >= LEASE_MS - 1_000, `took over ${takeoverMs} ms after the kill: before the lease ran out`);
  t.diagnostic(`standby took over ${takeoverMs} ms after the kill -9 (lease_ms ${LEASE_MS})`);

  // A third process waits; a graceful stop of the second hands over at once.
  await reach(writer.count + 20);
  const third = spawnTributary(['start', '--config', cfg.file]);
  children.push(third);
  await waitFor(() => /standby: pipeline/.test(third.output()), 30_000, third.output);
  second.child.kill('SIGTERM');
  const stoppedAt = Date.now();
  assert.equal(await second.exited, 0, second.output());
  await waitFor(() => third.output().includes('streaming the binlog'), 60_000, third.output);
  assert.match(third.output(), /holding the lease of pipeline \S+ \(released by the previous holder\)/);
  t.diagnostic(`after a graceful stop the next standby streamed ${Date.now() - stoppedAt} ms later`);

  await reach(writer.count + 20);
  await stopWriting();
  const topic = cfg.topicFor('items');
  await delivered(kafka, cfg, topic, writer.transactions, 60_000);
  third.child.kill('SIGTERM');
  assert.equal(await third.exited, 0, third.output());
  sampling = false;
  await sampler;
  assert.equal(maxDumps, 1, `binlog readers seen at once: ${overlaps.join('; ')}\nkilled at ${new Date(killedAt).toISOString()}, stopped at ${new Date(stoppedAt).toISOString()}`);

  const log = new ChangeLog(await readPositioned(kafka, cfg.schemasTopic, [topic]));
  assertWrittenDelivered(writer, log);
});
