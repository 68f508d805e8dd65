/**
 * Benchmark (update): one UPDATE of every row of a ROWS-row table (default 1,000,000),
 * one transaction, streamed through a caught-up `tributary start`. rows/s = rows /
 * (the statement's start .. the topic holding every change). Peak RSS must stay flat
 * whatever ROWS is: no transaction is buffered whole, and the binlog connection pauses
 * while Kafka is behind.
 *
 * Also reports the table topic's bytes on the broker's disk (its log segments: what it
 * stores and serves to every consumer), which BENCH_COMPRESSION=<codec> changes.
 *
 *   [BENCH_DELIVERY=exactly_once] [BENCH_REGISTRY=1] [BENCH_COMPRESSION=none|gzip|snappy|lz4|zstd] npx tsx bench/large-transaction.ts [rows]
 */
import { peakRssMb } from '../test/support/peak-rss.js';
import { BenchPipeline } from './bench-pipeline.js';
import { topicLogBytes } from '../test/support/kafka-java-tools.js';

const rows = BenchPipeline.rows();

const bench = await BenchPipeline.create('update');
try {
  await bench.table.fill(rows);
  await bench.start(true);
  await bench.warmUp();
  const baseline = peakRssMb(bench.pid);
  bench.measure();
  await bench.table.updateAll();
  const statementSeconds = bench.elapsed();
  await bench.delivered(rows);
  const result = await bench.finish(rows, { update_statement_s: statementSeconds, rss_before_mb: baseline });
  const bytes = topicLogBytes(bench.topic);
  BenchPipeline.report({ ...result, topic_bytes_on_disk: bytes, bytes_per_row: Math.round((bytes / rows) * 10) / 10 });
} finally {
  await bench.cleanup();
}
