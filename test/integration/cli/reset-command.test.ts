/**
 * `tributary reset --config <file> [--yes]` against the real stack, for the file and the
 * kafka checkpoint store: after a pipeline (snapshot.mode = "never") delivered a row and
 * stopped, reset without --yes prints the checkpoint and deletes nothing (exit 1); with
 * --yes it deletes it (exit 0), `tributary status` then finds none, and the next start
 * begins at the current end of the binlog, skipping a row written before it.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import { loadConfig } from '../../../src/config/load-config.js';
import { createCheckpointStore } from '../../../src/checkpoint/create-checkpoint-store.js';
import type { Checkpoint } from '../../../src/checkpoint/checkpoint.js';
import { positionToString } from '../../../src/model/position.js';
import { deleteTopics, ownDatabase, testKafka, uniqueName } from '../../support/stack.js';
import { runPipeline, spawnTributary, testPipelineConfig, waitFor, type TestPipelineConfig } from '../../support/pipeline-harness.js';
import { readDecoded } from '../../support/topic-reader.js';
import { readCheckpointFile } from '../../support/checkpoint-file.js';

/** Runs a `tributary` subcommand to its end; stdout and stderr apart. */
async function tributary(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = spawnTributary(args);
  let stdout = '';
  let stderr = '';
  run.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  run.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await run.exited;
  return { code, stdout, stderr };
}

/** The checkpoint as the configured store holds it. */
async function storedCheckpoint(cfg: TestPipelineConfig): Promise<Checkpoint | null> {
  const store = createCheckpointStore(await loadConfig(cfg.file));
  try {
    return await store.load();
  } finally {
    await store.close();
  }
}

async function itemIds(kafka: Kafka, cfg: TestPipelineConfig, count: number): Promise<number[]> {
  let ids: number[] = [];
  await waitFor(
    async () => (ids = (await readDecoded(kafka, cfg.schemasTopic, [cfg.topicFor('items')])).map((r) => (r.key as { id: number }).id)).length >= count,
    30_000,
    () => `have ids ${JSON.stringify(ids)}, want ${count}`,
  );
  return ids;
}

for (const store of ['file', 'kafka'] as const) {
  test(`${store} store: reset refuses without --yes, deletes with it, and the next start begins at the end of the binlog`, async (t) => {
    const db = await ownDatabase(`t_reset_${store}`);
    const kafka = testKafka();
    const checkpointTopic = uniqueName('t_reset_ckpt');
    const cfg = testPipelineConfig({
      db: db.name,
      checkpoint: store === 'kafka' ? { store, topic: checkpointTopic } : { store },
      snapshot: { mode: 'never' },
    });
    t.after(async () => {
      await deleteTopics(kafka, cfg.name);
      await deleteTopics(kafka, checkpointTopic);
      await db.drop();
    });
    await db.conn.query('CREATE TABLE items (id INT PRIMARY KEY)');
    const storeText = store === 'file' ? `file ${cfg.checkpointPath}` : `Kafka topic ${checkpointTopic} (key "${cfg.name}")`;

    // A first run delivers row 1 and, on its graceful stop, checkpoints it.
    const first = await runPipeline(cfg);
    try {
      await db.conn.query('INSERT INTO items VALUES (1)');
      assert.deepEqual(await itemIds(kafka, cfg, 1), [1]);
    } finally {
      await first.stop();
    }
    const saved = await storedCheckpoint(cfg);
    assert.ok(saved?.position.gtid, `no checkpoint after the first run:\n${first.logs.join('')}`);
    const checkpointLine = `  checkpoint at ${positionToString(saved.position)}, saved ${saved.updatedAt}\n`;
    if (store === 'file') assert.deepEqual(readCheckpointFile(cfg.checkpointPath), saved);
    // Written while the pipeline is down: a resumed pipeline would deliver it, a reset one not.
    await db.conn.query('INSERT INTO items VALUES (2)');

    const refused = await tributary(['reset', '--config', cfg.file]);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.equal(refused.stdout, `pipeline "${cfg.name}": the checkpoint is in ${storeText}\n${checkpointLine}`);
    assert.equal(
      refused.stderr,
      `tributary: nothing deleted: stop the pipeline, then re-run with --yes to delete it: tributary reset --config ${cfg.file} --yes\n`,
    );
    assert.deepEqual(await storedCheckpoint(cfg), saved);

    const reset = await tributary(['reset', '--config', cfg.file, '--yes']);
    assert.equal(reset.code, 0, reset.stdout + reset.stderr);
    assert.equal(
      reset.stdout,
      `pipeline "${cfg.name}": the checkpoint is in ${storeText}\n${checkpointLine}` +
        'deleted; the next start begins at the current end of the binlog (snapshot.mode = "never")\n',
    );
    assert.equal(reset.stderr, '');
    assert.equal(await storedCheckpoint(cfg), null);
    if (store === 'file') assert.equal(readCheckpointFile(cfg.checkpointPath), null);

    const status = await tributary(['status', '--config', cfg.file]);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(status.stdout, `pipeline "${cfg.name}": no checkpoint yet (it has not delivered anything)\n`);

    // Again, with nothing left: says so and succeeds, --yes or not.
    const again = await tributary(['reset', '--config', cfg.file]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, `pipeline "${cfg.name}": no checkpoint in ${storeText}; nothing to delete\n`);

    const second = await runPipeline(cfg);
    try {
      assert.ok(
        second.logs.some((l) => l.includes('starting at the current end of the binlog')),
        second.logs.join(''),
      );
      assert.equal(second.logs.some((l) => l.includes('resuming from')), false, second.logs.join(''));
      await db.conn.query('INSERT INTO items VALUES (3)');
      // Row 3 arrived and row 2, before it in the binlog, did not: it never will.
      assert.deepEqual(await itemIds(kafka, cfg, 2), [1, 3]);
    } finally {
      await second.stop();
    }
  });
}

test('file store: reset deletes a damaged checkpoint, but not one of another pipeline', async (t) => {
  // The file store needs no server: only the config and the checkpoint file matter here.
  const cfg = testPipelineConfig({ db: 'unused', snapshot: { mode: 'initial' } });
  t.after(() => rmSync(dirname(cfg.file), { recursive: true, force: true }));
  writeFileSync(cfg.checkpointPath, '{"pipeline":');
  const damaged = await tributary(['reset', '--config', cfg.file, '--yes']);
  assert.equal(damaged.code, 0, damaged.stderr);
  assert.equal(
    damaged.stdout,
    `pipeline "${cfg.name}": the checkpoint is in file ${cfg.checkpointPath}\n` +
      `  checkpoint unreadable: checkpoint in ${cfg.checkpointPath} is damaged: it is not valid JSON\n` +
      'deleted; the next start takes a new snapshot (snapshot.mode = "initial")\n',
  );
  assert.equal(existsSync(cfg.checkpointPath), false);

  const foreign = { pipeline: 'someone_else', position: { gtid: '0-1-7', file: 'mariadb-bin.000001', pos: 99 }, updatedAt: '2025-01-01T00:00:00.000Z' };
  writeFileSync(cfg.checkpointPath, JSON.stringify(foreign));
  const refused = await tributary(['reset', '--config', cfg.file, '--yes']);
  assert.equal(refused.code, 1, refused.stdout);
  assert.equal(refused.stdout, '');
  assert.match(refused.stderr, new RegExp(`^tributary: checkpoint file ${cfg.checkpointPath} belongs to pipeline "someone_else", not "${cfg.name}"\\n  fix: `));
  assert.deepEqual(readCheckpointFile(cfg.checkpointPath), foreign);
});
