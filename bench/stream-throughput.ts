/**
 * Benchmark (stream): ROWS rows (default 1,000,000) inserted as transactions of
 * BENCH_TXN_ROWS (default 1,000) while a caught-up `tributary start` streams them.
 * rows/s = rows / (first write .. the topic holding every row).
 *
 *   [BENCH_DELIVERY=exactly_once] [BENCH_REGISTRY=1] [BENCH_TXN_ROWS=1000] npx tsx bench/stream-throughput.ts [rows]
 */
import { BenchPipeline } from './bench-pipeline.js';

const rows = BenchPipeline.rows();
const perTxn = Number(process.env.BENCH_TXN_ROWS ?? 1000);

const bench = await BenchPipeline.create('stream');
try {
  await bench.start(true);
  await bench.warmUp();
  bench.measure();
  for (let after = 0; after < rows; after += perTxn) await bench.table.insert(after, Math.min(perTxn, rows - after));
  const writeSeconds = bench.elapsed();
  await bench.delivered(rows);
  BenchPipeline.report(await bench.finish(rows, { rows_per_txn: perTxn, write_s: writeSeconds }));
} finally {
  await bench.cleanup();
}
