/**
 * MySQL's compressed transactions (binlog_transaction_compression=ON): one TRANSACTION_PAYLOAD
 * event holds a whole transaction. Each is written beside the same transaction uncompressed,
 * on twin tables, so the test can demand the same records from both: values, ops, order,
 * transaction blocks and source positions; then a restart between compressed transactions,
 * and one compressed transaction far larger than the pipeline's back-pressure bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type mysql from 'mysql2/promise';
import { adminConnection, deleteTopics, ON_MYSQL, ownDatabase, seqRows, testKafka } from '../../support/stack.js';
import { lastGtid } from '../../support/last-gtid.js';
import { readDecoded, type DecodedRecord } from '../../support/topic-reader.js';
import { runPipeline, testPipelineConfig, waitFor, type RunningPipeline } from '../../support/pipeline-harness.js';
import { decodeDecimal } from '../../support/decimal.js';
import { topicSize } from '../../support/topic-size.js';
import { checkpointCaughtUp } from '../../support/checkpoint-caught-up.js';
import { readCheckpointFile } from '../../support/checkpoint-file.js';
import { gtidSeq } from '../../support/gtid-seq.js';

const SKIP = ON_MYSQL ? false : 'binlog_transaction_compression is MySQL only (MariaDB compresses single events, read elsewhere)';

type Conn = mysql.Connection;

async function compressedConnection(db: string): Promise<Conn> {
  const conn = await adminConnection(db);
  await conn.query('SET SESSION binlog_transaction_compression = ON');
  return conn;
}

async function records(kafka: ReturnType<typeof testKafka>, schemasTopic: string, topics: string[], count: number): Promise<DecodedRecord[]> {
  let got: DecodedRecord[] = [];
  await waitFor(
    async () => {
      got = await readDecoded(kafka, schemasTopic, topics);
      return got.length >= count;
    },
    60_000,
    () => `have ${got.length} of ${count} records`,
  );
  // Nothing beyond: a repeat would show here.
  await new Promise((r) => setTimeout(r, 500));
  return readDecoded(kafka, schemasTopic, topics);
}

/** The end position of the GTID event of `gtid` (where its transaction's rows say they are). */
async function gtidEventEnd(conn: Conn, gtid: string): Promise<{ file: string; pos: number; payloadEnd: number | null }> {
  const [logs] = await conn.query<mysql.RowDataPacket[]>('SHOW BINARY LOGS');
  for (let i = logs.length - 1; i >= 0; i--) {
    const file = String(logs[i]!.Log_name);
    const [events] = await conn.query<mysql.RowDataPacket[]>(`SHOW BINLOG EVENTS IN '${file}'`);
    const at = events.findIndex((e) => e.Event_type === 'Gtid' && String(e.Info).includes(`'${gtid}'`));
    if (at < 0) continue;
    const next = events[at + 1]!;
    return { file, pos: Number(events[at]!.End_log_pos), payloadEnd: next.Event_type === 'Transaction_payload' ? Number(next.End_log_pos) : null };
  }
  throw new Error(`no Gtid event for ${gtid}`);
}

/** A record without what differs between the twins: its table, its GTID, where it is in the binlog, and its commit time (the twins may commit a second apart). */
function twinShape(r: DecodedRecord): unknown {
  if (!r.value) return ['tombstone', r.key];
  const { source, transaction, ...rest } = r.value;
  const { table, gtid, file, pos, ts_ms, ts_us, ts_ns, db, ...src } = source as Record<string, unknown>;
  void table, gtid, file, pos, ts_ms, ts_us, ts_ns, db;
  return [r.key, rest.op, rest.before, rest.after, src, transaction ? { total_order: transaction.total_order, data_collection_order: transaction.data_collection_order } : null];
}

function values(r: DecodedRecord): unknown[] {
  const image = (r.value?.after ?? r.value?.before) as Record<string, unknown> | null;
  if (!image) return ['tombstone', r.key];
  return [r.value!.op, image.id, image.s, decodeDecimal(image.d as Buffer, 4), image.j];
}

test('compressed and uncompressed transactions give the same records, positions and a clean restart', { skip: SKIP, timeout: 240_000 }, async (t) => {
  const db = await ownDatabase('t_zstd');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  const zconn = await compressedConnection(db.name);
  let pipeline: RunningPipeline | null = null;
  t.after(async () => {
    await pipeline?.stop().catch(() => undefined);
    await zconn.end();
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  for (const twin of ['z', 'u']) {
    await db.conn.query(`CREATE TABLE a_${twin} (id INT PRIMARY KEY, s VARCHAR(40) NULL, d DECIMAL(12,4) NOT NULL, j JSON NULL)`);
    await db.conn.query(`CREATE TABLE b_${twin} (k VARCHAR(10) PRIMARY KEY, n BIGINT NOT NULL, f DOUBLE NULL)`);
  }
  // Each step runs once compressed (on the z tables) and once not (on the u tables), interleaved.
  const steps: string[][] = [
    ["INSERT INTO a_T VALUES (1, 'one', 1.5, '{\"k\": [1, 2]}'), (2, NULL, -0.0001, NULL), (3, 'three', 12345678.9999, '\"x\"')", "INSERT INTO b_T VALUES ('p', 9007199254740993, 0.25), ('q', -1, NULL)"],
    ["UPDATE a_T SET s = CONCAT(IFNULL(s, ''), '!'), d = d * 2 WHERE id <= 2", "DELETE FROM b_T WHERE k = 'q'", "UPDATE b_T SET n = n + 1"],
    ['UPDATE a_T SET id = 10 WHERE id = 1'],
    ["DELETE FROM a_T WHERE id = 2", "INSERT INTO a_T VALUES (4, 'four', 4, '{\"nested\": {\"a\": null}}')"],
  ];
  const gtids: { z: string[]; u: string[] } = { z: [], u: [] };
  const run = async (step: string[]): Promise<void> => {
    // The compressed one last: the checkpoint below is then the position after its payload.
    for (const [twin, conn] of [['u', db.conn], ['z', zconn]] as const) {
      await conn.query('START TRANSACTION');
      for (const sql of step) await conn.query(sql.replaceAll('_T', `_${twin}`));
      await conn.query('COMMIT');
      gtids[twin].push(await lastGtid(conn));
    }
  };

  pipeline = await runPipeline(cfg);
  await run(steps[0]!);
  await run(steps[1]!);
  const topics = (twin: string): string[] => [cfg.topicFor(`a_${twin}`), cfg.topicFor(`b_${twin}`)];
  // a: 3 inserts, 2 updates; b: 2 inserts, delete + tombstone, update.
  await records(kafka, cfg.schemasTopic, topics('z'), 10);
  await checkpointCaughtUp(cfg.checkpointPath, gtids.z[1]!);
  const probe = await adminConnection();
  try {
    const saved = readCheckpointFile(cfg.checkpointPath)!.position;
    const at = await gtidEventEnd(probe, gtids.z[1]!);
    // Other tests write to the same server: only when nothing came after it is the checkpoint exactly there.
    if (gtidSeq(saved.gtid!) === gtidSeq(gtids.z[1]!)) assert.deepEqual([saved.file, saved.pos], [at.file, at.payloadEnd]);
    else assert.ok(saved.file > at.file || (saved.file === at.file && saved.pos > at.payloadEnd!), JSON.stringify(saved));
  } finally {
    await probe.end();
  }
  await pipeline.stop();
  pipeline = null;
  // Written while stopped: read after the restart from the checkpoint, after the compressed transactions.
  await run(steps[2]!);
  await run(steps[3]!);
  pipeline = await runPipeline(cfg);

  // a: + d/tombstone/c for the key change, d/tombstone of 2, c of 4.
  const za = await records(kafka, cfg.schemasTopic, [cfg.topicFor('a_z')], 11);
  const ua = await records(kafka, cfg.schemasTopic, [cfg.topicFor('a_u')], 11);
  assert.deepEqual(za.map(values), [
    ['c', 1, 'one', '1.5000', '{"k": [1, 2]}'],
    ['c', 2, null, '-0.0001', null],
    ['c', 3, 'three', '12345678.9999', '"x"'],
    ['u', 1, 'one!', '3.0000', '{"k": [1, 2]}'],
    ['u', 2, '!', '-0.0002', null],
    ['d', 1, 'one!', '3.0000', '{"k": [1, 2]}'],
    ['tombstone', { id: 1 }],
    ['c', 10, 'one!', '3.0000', '{"k": [1, 2]}'],
    ['d', 2, '!', '-0.0002', null],
    ['tombstone', { id: 2 }],
    ['c', 4, 'four', '4.0000', '{"nested": {"a": null}}'],
  ]);
  const zb = await records(kafka, cfg.schemasTopic, [cfg.topicFor('b_z')], 5);
  const ub = await records(kafka, cfg.schemasTopic, [cfg.topicFor('b_u')], 5);
  assert.deepEqual(
    zb.map((r) => [r.value?.op ?? 'tombstone', r.key, r.value?.after ?? null]),
    [
      ['c', { k: 'p' }, { k: 'p', n: 9007199254740993n, f: 0.25 }],
      ['c', { k: 'q' }, { k: 'q', n: -1n, f: null }],
      ['d', { k: 'q' }, null],
      ['tombstone', { k: 'q' }, null],
      ['u', { k: 'p' }, { k: 'p', n: 9007199254740994n, f: 0.25 }],
    ],
  );
  // Exactly the records of the uncompressed twin: before images, source fields, transaction blocks.
  assert.deepEqual(za.map(twinShape), ua.map(twinShape));
  assert.deepEqual(zb.map(twinShape), ub.map(twinShape));

  // Every record names the GTID it was written in, and the position of its transaction.
  const gtidOf = (rs: DecodedRecord[]): unknown[] => rs.filter((r) => r.value).map((r) => r.value!.source.gtid);
  for (const [twin, a, b] of [['z', za, zb], ['u', ua, ub]] as const) {
    const g = gtids[twin];
    assert.deepEqual(gtidOf(a), [g[0], g[0], g[0], g[1], g[1], g[2], g[2], g[3], g[3]]);
    assert.deepEqual(gtidOf(b), [g[0], g[0], g[1], g[1]]);
    for (const r of [...a, ...b].filter((x) => x.value)) assert.equal(r.value!.transaction?.id, r.value!.source.gtid);
  }
  const admin = await adminConnection();
  try {
    for (const [twin, rs] of [['z', za], ['u', ua]] as const) {
      const at = await gtidEventEnd(admin, gtids[twin][3]!);
      assert.equal(at.payloadEnd !== null, twin === 'z', `${twin}: a Transaction_payload event follows the GTID event exactly when compressed`);
      const last = rs[rs.length - 1]!.value!.source;
      assert.deepEqual([last.file, last.pos], [at.file, BigInt(at.pos)]);
    }
  } finally {
    await admin.end();
  }
});

test('a compressed transaction 50 times the back-pressure bound streams through whole, and as fast as an uncompressed one', { skip: SKIP, timeout: 600_000 }, async (t) => {
  const ROWS = 100_000;
  const db = await ownDatabase('t_zstdbig');
  const kafka = testKafka();
  // At most 2000 unacked messages, 500 per batch: the 100,000-row transaction must come in pieces.
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' }, kafka: { max_in_flight_messages: 2000, batch_max_messages: 500 } });
  const zconn = await compressedConnection(db.name);
  let pipeline: RunningPipeline | null = null;
  t.after(async () => {
    await pipeline?.stop().catch(() => undefined);
    await zconn.end();
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE z (id INT PRIMARY KEY, n INT NOT NULL, label VARCHAR(32) NOT NULL, d DECIMAL(10,2) NOT NULL)');
  await db.conn.query('CREATE TABLE u LIKE z');
  pipeline = await runPipeline(cfg);

  const timed = async (table: string, conn: Conn): Promise<{ gtid: string; ms: number }> => {
    await conn.query(`INSERT INTO ${table} SELECT seq, seq % 7, CONCAT('row-', seq), seq / 100 FROM ${seqRows(ROWS)}`);
    const gtid = await lastGtid(conn);
    const started = Date.now();
    let size = 0;
    await waitFor(
      async () => {
        size = await topicSize(kafka, cfg.topicFor(table));
        return size >= ROWS;
      },
      300_000,
      () => `${size} of ${ROWS} messages of ${table}`,
    );
    return { gtid, ms: Date.now() - started };
  };
  const compressed = await timed('z', zconn);
  const uncompressed = await timed('u', db.conn);
  const admin = await adminConnection();
  try {
    const at = await gtidEventEnd(admin, compressed.gtid);
    assert.notEqual(at.payloadEnd, null, 'the transaction was written compressed');
  } finally {
    await admin.end();
  }
  const rs = await readDecoded(kafka, cfg.schemasTopic, [cfg.topicFor('z')]);
  assert.equal(rs.length, ROWS);
  for (let i = 0; i < ROWS; i++) {
    const v = rs[i]!.value!;
    const id = i + 1;
    assert.equal(v.op, 'c');
    assert.deepEqual(v.after && [v.after.id, v.after.n, v.after.label, decodeDecimal(v.after.d as Buffer, 2)], [id, id % 7, `row-${id}`, (id / 100).toFixed(2)]);
    assert.equal(v.source.gtid, compressed.gtid);
    assert.equal(v.transaction!.total_order, BigInt(id));
  }
  const rate = (ms: number): number => Math.round(ROWS / (ms / 1000));
  t.diagnostic(`compressed: ${rate(compressed.ms)} rows/s (${compressed.ms} ms); uncompressed: ${rate(uncompressed.ms)} rows/s (${uncompressed.ms} ms)`);
});
