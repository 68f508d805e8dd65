/**
 * "A kill -9 at any moment loses nothing" holds from the first moment: a first start
 * saves its starting position (and the snapshot plan) before it publishes anything. Both
 * tests kill `tributary start` right after its first messages, long before the checkpoint
 * timer (10 minutes here) would have saved anything, and change the table while it is down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownDatabase, testKafka, deleteTopics } from '../../support/stack.js';
import { startTributary, testPipelineConfig, waitFor, type spawnTributary } from '../../support/pipeline-harness.js';
import { readPositioned } from '../../support/topic-reader.js';
import { ChangeLog } from '../../support/change-log.js';
import { readCheckpointFile } from '../../support/checkpoint-file.js';
import { tableRows } from '../../support/table-rows.js';

type Child = ReturnType<typeof spawnTributary>;
const NO_TIMER_SAVE = { interval_ms: 600_000 };

async function setup(t: import('node:test').TestContext, prefix: string, mode: 'never' | 'initial') {
  const db = await ownDatabase(prefix);
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, checkpoint: NO_TIMER_SAVE, snapshot: { mode } });
  const children: Child[] = [];
  t.after(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE items (id INT PRIMARY KEY, note VARCHAR(20) NOT NULL)');
  const topic = cfg.topicFor('items');
  const state = async () => new ChangeLog(await readPositioned(kafka, cfg.schemasTopic, [topic])).state();
  return { db, kafka, cfg, children, topic, state };
}

async function kill(run: Child): Promise<void> {
  run.child.kill('SIGKILL');
  await run.exited;
}

test('mode never: killed right after its first message, a restart still publishes what was written meanwhile', async (t) => {
  const { db, cfg, children, state } = await setup(t, 't_early_never', 'never');
  const first = await startTributary(cfg, children);
  const saved = readCheckpointFile(cfg.checkpointPath);
  assert.ok(saved, 'a checkpoint exists as soon as the pipeline streams');
  await db.conn.query("INSERT INTO items VALUES (1, 'first')");
  await waitFor(async () => (await state()).size === 1, 20_000);
  await kill(first);

  for (let id = 2; id <= 100; id++) await db.conn.query('INSERT INTO items VALUES (?, ?)', [id, `row ${id}`]);
  const second = await startTributary(cfg, children);
  assert.match(second.output(), /resuming from /);
  assert.doesNotMatch(second.output(), /starting at the current end of the binlog/);
  let last = new Map<string, Record<string, unknown>>();
  await waitFor(async () => (last = await state()).size === 100, 30_000, () => `${last.size} of 100 rows on the topic`);
  const rows = await tableRows(db.conn, 'SELECT * FROM items ORDER BY id');
  assert.deepEqual([...last.values()].sort((a, b) => (a.id as number) - (b.id as number)), rows);
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.output());
});

test('mode initial: killed right after the snapshot rows, a delete made while it was down still reaches the topic', async (t) => {
  const { db, cfg, children, state } = await setup(t, 't_early_initial', 'initial');
  for (let id = 1; id <= 10; id++) await db.conn.query('INSERT INTO items VALUES (?, ?)', [id, `row ${id}`]);
  const first = await startTributary(cfg, children);
  const saved = readCheckpointFile(cfg.checkpointPath);
  assert.ok(saved, 'a checkpoint exists as soon as the pipeline streams');
  assert.deepEqual(Object.keys((saved.snapshot as { tables: Record<string, unknown> }).tables), [`${db.name}.items`], 'the plan is in the first checkpoint');
  await waitFor(async () => (await state()).size === 10, 20_000);
  await kill(first);

  await db.conn.query('DELETE FROM items WHERE id = 3');
  await db.conn.query("UPDATE items SET note = 'changed' WHERE id = 7");
  const second = await startTributary(cfg, children);
  const rows = await tableRows(db.conn, 'SELECT * FROM items ORDER BY id');
  let last = new Map<string, Record<string, unknown>>();
  await waitFor(
    async () => {
      last = await state();
      return last.size === 9 && last.get(JSON.stringify({ id: 7 }))?.note === 'changed';
    },
    30_000,
    () => `topic state ${JSON.stringify([...last.values()])}`,
  );
  assert.deepEqual([...last.values()].sort((a, b) => (a.id as number) - (b.id as number)), rows);
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.output());
});
