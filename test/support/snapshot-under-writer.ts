/**
 * The setup shared by the snapshot tests that race a writer: a database of the test's
 * own with a table `big` of `rows` rows, a pipeline config that snapshots it in `chunk`-row
 * chunks, and a writer that aims about half its changes at the chunk in flight (the one
 * after the cursor last saved in the file checkpoint), where the watermark window matters.
 */
import type { TestContext } from 'node:test';
import type { Kafka } from 'kafkajs';
import { adminConnection, deleteTopics, ownDatabase, testKafka } from './stack.js';
import { testPipelineConfig, type spawnTributary, type TestPipelineConfig } from './pipeline-harness.js';
import { PopulatedTableWriter } from './populated-table-writer.js';
import { savedCursorId } from './checkpoint-file.js';
import { dropControlRows } from './snapshot-control-rows.js';

export interface SnapshotUnderWriterOptions {
  /** Prefix of the test's database name. */
  dbPrefix: string;
  rows: number;
  chunk: number;
  mode: 'initial' | 'never';
  /** More [source] and [snapshot] keys (a replica to read from, the watermark source). */
  source?: Record<string, string | number | boolean>;
  snapshot?: Record<string, string | number | boolean>;
}

export interface SnapshotUnderWriter {
  db: Awaited<ReturnType<typeof ownDatabase>>;
  kafka: Kafka;
  cfg: TestPipelineConfig;
  /** `db.big`, as logs and the checkpoint name it. */
  id: string;
  /** Not started yet. */
  writer: PopulatedTableWriter;
  /** Tributary processes the test starts; any still running are killed at the end. */
  children: ReturnType<typeof spawnTributary>[];
}

/** Creates and fills `big` and registers the cleanup (processes, writer, topics, control rows, database) on `t`. */
export async function snapshotUnderWriter(t: TestContext, options: SnapshotUnderWriterOptions): Promise<SnapshotUnderWriter> {
  const db = await ownDatabase(options.dbPrefix);
  const kafka = testKafka();
  const cfg = testPipelineConfig({
    db: db.name,
    ...(options.source ? { source: options.source } : {}),
    snapshot: { mode: options.mode, chunk_size: options.chunk, parallelism: 2, ...options.snapshot },
  });
  const id = `${db.name}.big`;
  const children: ReturnType<typeof spawnTributary>[] = [];
  const writerConn = await adminConnection(db.name);
  // The checkpoint file is read at most every 50 ms: the writer asks for every row it picks.
  let cursorAt = 0;
  let cursor: number | null = null;
  const writer = new PopulatedTableWriter(writerConn, 'big', {
    rows: options.rows,
    hotSpan: 2 * options.chunk,
    hot: () => {
      if (Date.now() - cursorAt > 50) {
        cursor = savedCursorId(cfg.checkpointPath, id);
        cursorAt = Date.now();
      }
      return cursor;
    },
  });
  t.diagnostic(`writer seed ${writer.seed}`);
  t.after(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await writer.stop().catch(() => undefined);
    await writerConn.end();
    await deleteTopics(kafka, cfg.name);
    await dropControlRows(cfg.name);
    await db.drop();
  });
  await PopulatedTableWriter.createFilled(db.conn, 'big', options.rows);
  return { db, kafka, cfg, id, writer, children };
}
