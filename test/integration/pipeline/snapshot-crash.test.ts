/**
 * A snapshot survives kill -9: `tributary start` (a child process, file checkpoint)
 * snapshots a 200,000-row table while a writer changes it, is SIGKILLed once the
 * checkpoint holds some chunks but not the whole table, and is restarted. The restart
 * must resume after the saved cursor (not start over), and the topic must still end
 * equal to the table with no key going back to an older version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminConnection, deleteTopics, ownDatabase, testKafka } from '../../support/stack.js';
import { spawnTributary, testPipelineConfig, waitFor, type TestPipelineConfig } from '../../support/pipeline-harness.js';
import { readPositioned } from '../../support/topic-reader.js';
import { PopulatedTableWriter } from '../../support/populated-table-writer.js';
import { SnapshotLog } from '../../support/snapshot-log.js';
import { readCheckpointFile, savedCursorId, savedTableProgress } from '../../support/checkpoint-file.js';
import { gtidSeq } from '../../support/gtid-seq.js';

type Child = ReturnType<typeof spawnTributary>;

const ROWS = 200_000;
const CHUNK = 5_000;

async function startChild(cfg: TestPipelineConfig, children: Child[]): Promise<Child> {
  const run = spawnTributary(['start', '--config', cfg.file]);
  children.push(run);
  await waitFor(
    () => {
      if (run.child.exitCode !== null) throw new Error(`tributary exited before streaming:\n${run.output()}`);
      return run.output().includes('streaming the binlog');
    },
    30_000,
    run.output,
  );
  return run;
}

async function endOffset(kafka: ReturnType<typeof testKafka>, topic: string): Promise<bigint> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return 0n;
    const offsets = await admin.fetchTopicOffsets(topic);
    assert.equal(offsets.length, 1, `${topic} must have one partition`);
    return BigInt(offsets[0]!.high);
  } finally {
    await admin.disconnect();
  }
}

test('SIGKILL during a snapshot: the restart resumes after the saved chunk and the topic ends equal to the table', { timeout: 180_000 }, async (t) => {
  const db = await ownDatabase('t_snapcrash');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'initial', chunk_size: CHUNK, parallelism: 2 } });
  const id = `${db.name}.big`;
  const topic = cfg.topicFor('big');
  const children: Child[] = [];
  const writerConn = await adminConnection(db.name);
  let cursorAt = 0;
  let cursor: number | null = null;
  const writer = new PopulatedTableWriter(writerConn, 'big', {
    rows: ROWS,
    hotSpan: 2 * CHUNK,
    hot: () => {
      if (Date.now() - cursorAt > 50) {
        cursor = savedCursorId(cfg.checkpointPath, id);
        cursorAt = Date.now();
      }
      return cursor;
    },
  });
  // Somewhere in the first two thirds of the table, never before the first chunk is saved.
  const killAfterRows = 3 * CHUNK + Math.floor(Math.random() * 0.5 * ROWS);
  t.diagnostic(`writer seed ${writer.seed}; kill once ${killAfterRows} rows are saved`);
  t.after(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await writer.stop().catch(() => undefined);
    await writerConn.end();
    await deleteTopics(kafka, cfg.name);
    const conn = await adminConnection();
    await conn.query('DELETE FROM _tributary.watermarks WHERE pipeline = ?', [cfg.name]);
    await conn.end();
    await db.drop();
  });
  await PopulatedTableWriter.createFilled(db.conn, 'big', ROWS);
  writer.start();
  await writer.reach(20);

  const first = await startChild(cfg, children);
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

  const second = await startChild(cfg, children);
  await waitFor(() => second.output().includes(`snapshot of ${id} done`), 90_000, () => second.output().slice(-2000));
  await writer.stop();
  const out = second.output();
  assert.match(out, /resuming from gtid \S+/);
  assert.match(out, new RegExp(`resuming snapshot of ${id} \\(~\\d+ rows, key: id\\)`));
  assert.doesNotMatch(out, new RegExp(`snapshotting ${id}`));

  const lastSeq = gtidSeq(writer.lastGtid!);
  await waitFor(
    () => {
      const gtid = readCheckpointFile(cfg.checkpointPath)?.position.gtid;
      return typeof gtid === 'string' && gtidSeq(gtid) >= lastSeq;
    },
    30_000,
    () => `checkpoint ${JSON.stringify(readCheckpointFile(cfg.checkpointPath)?.position)} short of ${writer.lastGtid}`,
  );
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.output().slice(-2000));

  const [rows] = await db.conn.query('SELECT * FROM big ORDER BY id');
  const table = (rows as Record<string, unknown>[]).map((r) => ({ ...r }));
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
