/**
 * Benchmark: the initial snapshot of a ROWS-row table (default 1,000,000) with ten
 * mixed-type columns, end to end into Kafka through a real `tributary start` process.
 * Reports rows/s (from the pipeline's start until the topic holds every row) and the
 * process's peak RSS.
 *
 *   npm run stack:up && [BENCH_DELIVERY=exactly_once] npx tsx bench/snapshot-throughput.ts [rows] [chunk_size] [parallelism]
 */
import { Kafka, logLevel } from 'kafkajs';
import { ownDatabase, KAFKA_BROKERS, deleteTopics } from '../test/support/stack.js';
import { spawnTributary, testPipelineConfig, waitFor } from '../test/support/pipeline-harness.js';
import { topicSize } from '../test/support/topic-size.js';
import { peakRssMb } from '../test/support/peak-rss.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const chunkSize = Number(process.argv[3] ?? 10_000);
const parallelism = Number(process.argv[4] ?? 2);

const db = await ownDatabase('bench_snap');
const kafka = new Kafka({ brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
// BENCH_DELIVERY=exactly_once measures Kafka transactions (with the Kafka checkpoint store they need).
const exactlyOnce = process.env.BENCH_DELIVERY === 'exactly_once';
const cfg = testPipelineConfig({
  db: db.name,
  kafka: exactlyOnce ? { delivery: 'exactly_once' } : {},
  checkpoint: exactlyOnce ? { store: 'kafka', interval_ms: 1000 } : { interval_ms: 1000 },
  snapshot: { chunk_size: chunkSize, parallelism },
});
const topic = cfg.topicFor('t');
try {
  await db.conn.query(`CREATE TABLE t (
    id BIGINT PRIMARY KEY, qty INT NOT NULL, price DECIMAL(12,2) NOT NULL, ratio DOUBLE NOT NULL,
    name VARCHAR(64) NOT NULL, note TEXT NULL, created DATETIME(6) NOT NULL, day DATE NOT NULL,
    flag TINYINT(1) NOT NULL, status ENUM('new','paid','shipped') NOT NULL)`);
  await db.conn.query(`INSERT INTO t SELECT seq, seq % 1000, seq / 100, seq / 7, CONCAT('customer-', seq),
      IF(seq % 3 = 0, NULL, REPEAT('x', seq % 50)), '2024-01-01 00:00:00.000001' + INTERVAL seq SECOND,
      '2024-01-01' + INTERVAL (seq % 365) DAY, seq % 2, ELT(1 + seq % 3, 'new', 'paid', 'shipped')
    FROM seq_1_to_${rows}`);
  const started = Date.now();
  const run = spawnTributary(['start', '--config', cfg.file]);
  let size = 0;
  await waitFor(async () => {
    if (run.child.exitCode !== null) throw new Error(run.output());
    size = await topicSize(kafka, topic);
    return size >= rows;
  }, 60 * 60_000, () => `${size} of ${rows}`);
  const seconds = (Date.now() - started) / 1000;
  const peak = peakRssMb(run.child.pid!);
  run.child.kill('SIGTERM');
  const code = await run.exited;
  console.log(JSON.stringify({ rows, delivery: exactlyOnce ? 'exactly_once' : 'at_least_once', chunk_size: chunkSize, parallelism, seconds, rows_per_s: Math.round(rows / seconds), peak_rss_mb: peak, exit_code: code }));
} finally {
  await deleteTopics(kafka, cfg.name);
  await db.drop();
}
