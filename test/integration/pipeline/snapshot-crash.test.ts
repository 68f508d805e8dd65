/**
 * A snapshot survives kill -9: `tributary start` (a child process, file checkpoint)
 * snapshots a 200,000-row table while a writer changes it, is SIGKILLed once the
 * checkpoint holds some chunks but not the whole table, and is restarted. The restart
 * must resume after the saved cursor (not start over), and the topic must still end
 * equal to the table with no key going back to an older version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTributary, waitFor } from '../../support/pipeline-harness.js';
import { readPositioned } from '../../support/topic-reader.js';
import { SnapshotLog } from '../../support/snapshot-log.js';
import { savedCursorId, savedTableProgress } from '../../support/checkpoint-file.js';
import { checkpointCaughtUp } from '../../support/checkpoint-caught-up.js';
import { snapshotUnderWriter } from '../../support/snapshot-under-writer.js';
import { tableRows } from '../../support/table-rows.js';
import { endOffset } from '../../support/topic-size.js';

const ROWS = 200_000;
const CHUNK = 5_000;

test('SIGKILL during a snapshot: the restart resumes after the saved chunk and the topic ends equal to the table', { timeout: 180_000 }, async (t) => {
  const { db, kafka, cfg, id, writer, children } = await snapshotUnderWriter(t, { dbPrefix: 't_snapcrash', rows: ROWS, chunk: CHUNK, mode: 'initial' });
  const topic = cfg.topicFor('big');
  // Somewhere in the first two thirds of the table, never before the first chunk is saved.
  const killAfterRows = 3 * CHUNK + Math.floor(Math.random() * 0.5 * ROWS);
  t.diagnostic(`kill once ${killAfterRows} rows are saved`);
  writer.start();
  await writer.reach(20);

  const first = await startTributary(cfg, children);
  await waitFor(
    () => {
      if (first.child.exitCode !== null) throw new Error(`tributary exited:\n${first.output()}`);
      const p = savedTableProgress(cfg.checkpointPath, id);
      if (p?.done) throw new Error(`the snapshot finished before the kill (${p.rows} rows): nothing to resume`);
      return (p?.rows ?? 0) >= killAfterRows;
    },
    90_000,
    () => `saved progress ${JSON.stringify(savedTableProgress(cfg.checkpointPath, id))}`,
  );
  first.child.kill('SIGKILL');
  assert.equal(await first.exited, null);
  assert.equal(first.child.signalCode, 'SIGKILL');
  const atKill = savedTableProgress(cfg.checkpointPath, id)!;
  const cursorAtKill = savedCursorId(cfg.checkpointPath, id)!;
  assert.equal(atKill.done, false);
  // Measured just before the restart: a produce request the dead process had sent may land late.
  await writer.reach(writer.count + 200);
  const endBeforeRestart = await endOffset(kafka, topic);

  const second = await startTributary(cfg, children);
  await waitFor(() => second.output().includes(`snapshot of ${id} done`), 90_000, () => second.output().slice(-2000));
  await writer.stop();
  const out = second.output();
  assert.match(out, /resuming from gtid \S+/);
  assert.match(out, new RegExp(`resuming snapshot of ${id} \\(~\\d+ rows, key: id\\)`));
  assert.doesNotMatch(out, new RegExp(`snapshotting ${id}`));

  await checkpointCaughtUp(cfg.checkpointPath, writer.lastGtid!);
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.output().slice(-2000));

  const table = await tableRows(db.conn, 'SELECT * FROM big ORDER BY id');
  const log = new SnapshotLog(await readPositioned(kafka, cfg.schemasTopic, [topic]));
  assert.deepEqual(log.badOps(), []);
  const state = log.stateRows();
  assert.equal(state.length, table.length, 'keys in the topic vs rows in the table');
  assert.deepEqual(state, table);
  assert.deepEqual(log.regressions(), []);
  assert.deepEqual(log.markerProblems(), []);

  const reads = log.reads;
  const idOf = (r: (typeof reads)[number]) => (r.key as { id: number }).id;
  const before = reads.filter((r) => r.offset < endBeforeRestart);
  const after = reads.filter((r) => r.offset >= endBeforeRestart);
  // The restart read on from the saved cursor: nothing at or below it again...
  assert.deepEqual(after.filter((r) => idOf(r) <= cursorAtKill).map(idOf), []);
  // ...and its first chunk starts right after it.
  assert.ok(after.length > 0 && idOf(after[0]!) <= cursorAtKill + CHUNK, `first r after the restart: id ${after[0] && idOf(after[0])}, saved cursor ${cursorAtKill}`);
  const savedIds = new Set(before.filter((r) => idOf(r) <= cursorAtKill).map(idOf));
  assert.equal(savedIds.size, before.filter((r) => idOf(r) <= cursorAtKill).length, 'an id at or below the saved cursor was read twice');
  const reread = before.filter((r) => idOf(r) > cursorAtKill).length;
  assert.ok(reads.length < 2 * ROWS, `${reads.length} r events: the restart started over`);
  t.diagnostic(
    `killed with ${atKill.rows} rows saved (cursor ${cursorAtKill}); ${before.length} r events before the restart, ${reread} of them past the saved cursor (read again); ` +
      `${after.length} after; ${reads.length} r events in all for ${table.length} rows; ${writer.count} writer transactions; ${log.records.length} records; ` +
      `${log.regressions(true).length} steps back to an older version when replayed duplicates are kept`,
  );
});
