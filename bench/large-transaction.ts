/**
 * Benchmark: one transaction that updates ROWS rows (default 1,000,000) streams through a
 * real `tributary start` process against the local stack. Reports rows/s end to end and
 * the process's peak RSS (VmHWM), which must stay flat whatever ROWS is: no transaction
 * is ever buffered whole, and the binlog connection pauses while Kafka is behind.
 *
 *   npm run stack:up && [BENCH_DELIVERY=exactly_once] [BENCH_REGISTRY=1] npx tsx bench/large-transaction.ts [rows]
 */
import { Kafka, logLevel } from 'kafkajs';
import { ownDatabase, KAFKA_BROKERS, deleteTopics } from '../test/support/stack.js';
import { startTributary, testPipelineConfig, waitFor } from '../test/support/pipeline-harness.js';
import { topicSize } from '../test/support/topic-size.js';
import { peakRssMb } from '../test/support/peak-rss.js';
import { REGISTRY_URL } from '../test/support/registry.js';

const rows = Number(process.argv[2] ?? 1_000_000);

const db = await ownDatabase('bench_txn');
const kafka = new Kafka({ brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
// BENCH_DELIVERY=exactly_once measures Kafka transactions (with the Kafka checkpoint store they need).
const exactlyOnce = process.env.BENCH_DELIVERY === 'exactly_once';
// BENCH_REGISTRY=1 measures registry mode (Confluent framing, ids from the stack's registry).
const registry = process.env.BENCH_REGISTRY === '1';
const cfg = testPipelineConfig({
  ...(registry ? { extra: `[registry]\nurl = "${REGISTRY_URL}"` } : {}),
  db: db.name,
  kafka: exactlyOnce ? { delivery: 'exactly_once' } : {},
  checkpoint: exactlyOnce ? { store: 'kafka', interval_ms: 1000 } : { interval_ms: 1000 },
  snapshot: { mode: 'never' },
});
const topic = cfg.topicFor('t');
try {
  await db.conn.query('CREATE TABLE t (id INT PRIMARY KEY, n INT NOT NULL, label VARCHAR(32) NOT NULL, at DATETIME(6) NOT NULL)');
  await db.conn.query(`INSERT INTO t SELECT seq, 0, CONCAT('row-', seq), '2024-01-01 00:00:00.000001' FROM seq_1_to_${rows}`);
  const run = await startTributary(cfg);
  const pid = run.child.pid!;
  const baseline = peakRssMb(pid);
  const started = Date.now();
  await db.conn.query('UPDATE t SET n = n + 1'); // one transaction, `rows` row changes
  const committed = Date.now();
  let sampled = 0;
  await waitFor(async () => {
    sampled = await topicSize(kafka, topic);
    return sampled >= rows;
  }, 30 * 60_000, () => `${sampled} of ${rows}`);
  const done = Date.now();
  const peak = peakRssMb(pid);
  run.child.kill('SIGTERM');
  const code = await run.exited;
  const seconds = (done - started) / 1000;
  console.log(JSON.stringify({
    rows,
    delivery: exactlyOnce ? 'exactly_once' : 'at_least_once',
    framing: registry ? 'registry' : 'self-contained',
    update_statement_s: (committed - started) / 1000,
    end_to_end_s: seconds,
    rows_per_s: Math.round(rows / seconds),
    rss_before_mb: baseline,
    peak_rss_mb: peak,
    exit_code: code,
  }));
} finally {
  await deleteTopics(kafka, cfg.name);
  await db.drop();
}
