/**
 * A graceful stop during a snapshot: SIGTERM while chunks are in flight must exit 0 with
 * a final checkpoint that holds the snapshot's progress, like any other graceful stop, and
 * a restart must resume after it and end equal to the table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTributary, waitFor } from '../../support/pipeline-harness.js';
import { readPositioned } from '../../support/topic-reader.js';
import { SnapshotLog } from '../../support/snapshot-log.js';
import { savedTableProgress } from '../../support/checkpoint-file.js';
import { checkpointCaughtUp } from '../../support/checkpoint-caught-up.js';
import { snapshotUnderWriter } from '../../support/snapshot-under-writer.js';
import { tableRows } from '../../support/table-rows.js';

const ROWS = 60_000;
const CHUNK = 1_000;

test('SIGTERM during a snapshot exits 0 with a final checkpoint; the restart resumes and ends equal to the table', { timeout: 180_000 }, async (t) => {
  const { db, kafka, cfg, id, writer, children } = await snapshotUnderWriter(t, { dbPrefix: 't_snapstop', rows: ROWS, chunk: CHUNK, mode: 'initial' });
  const topic = cfg.topicFor('big');
  writer.start();
  await writer.reach(10);

  const first = await startTributary(cfg, children);
  await waitFor(
    () => {
      const p = savedTableProgress(cfg.checkpointPath, id);
      if (p?.done) throw new Error('the snapshot finished before the stop: nothing to test');
      return (p?.rows ?? 0) >= 5 * CHUNK;
    },
    60_000,
    () => first.output().slice(-2000),
  );
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0, first.output().slice(-3000));
  const out = first.output();
  assert.doesNotMatch(out, /unexpected error|snapshot stopped|at .*\.ts:\d+/, 'no stack trace, no leaked internal error');
  assert.match(out, /stopped; checkpoint at gtid \S+/);
  const atStop = savedTableProgress(cfg.checkpointPath, id)!;
  assert.equal(atStop.done, false);
  assert.ok(atStop.rows >= 5 * CHUNK && atStop.cursor !== null, `progress at the stop: ${JSON.stringify(atStop)}`);

  const second = await startTributary(cfg, children);
  await waitFor(() => second.output().includes(`snapshot of ${id} done`), 90_000, () => second.output().slice(-2000));
  assert.match(second.output(), new RegExp(`resuming snapshot of ${id} `));
  await writer.stop();
  await checkpointCaughtUp(cfg.checkpointPath, writer.lastGtid!);
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.output().slice(-2000));

  const table = await tableRows(db.conn, 'SELECT * FROM big ORDER BY id');
  const log = new SnapshotLog(await readPositioned(kafka, cfg.schemasTopic, [topic]));
  assert.deepEqual(log.badOps(), []);
  assert.deepEqual(log.stateRows(), table);
  assert.deepEqual(log.regressions(), []);
});
