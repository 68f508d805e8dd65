/**
 * Benchmark (snapshot): the initial snapshot (snapshot.mode initial) of a ROWS-row table
 * (default 1,000,000) through a `tributary start` process. rows/s = rows / (spawn .. both
 * the "snapshot of … done" line and the topic holding every row); each is reported too.
 *
 *   [BENCH_DELIVERY=exactly_once] [BENCH_REGISTRY=1] npx tsx bench/snapshot-throughput.ts [rows] [chunk_size] [parallelism] [chunk_max_bytes]
 */
import { waitFor } from '../test/support/pipeline-harness.js';
import { BenchPipeline } from './bench-pipeline.js';

const rows = BenchPipeline.rows();
const snapshot: Record<string, string | number> = { mode: 'initial' };
if (process.argv[3]) snapshot.chunk_size = Number(process.argv[3]);
if (process.argv[4]) snapshot.parallelism = Number(process.argv[4]);
if (process.argv[5]) snapshot.chunk_max_bytes = Number(process.argv[5]);

const bench = await BenchPipeline.create('snapshot', snapshot);
try {
  await bench.table.fill(rows);
  await bench.start(false);
  bench.measure();
  const doneLine = `snapshot of ${bench.db.name}.${bench.table.name} done`;
  let snapshotDone: number | null = null;
  const watch = setInterval(() => {
    if (snapshotDone === null && bench.output().includes(doneLine)) snapshotDone = bench.elapsed();
  }, 50);
  const deliveredSeconds = await bench.delivered(rows);
  await waitFor(() => snapshotDone !== null, 60_000, () => `no "${doneLine}" line:\n${bench.output().slice(-2000)}`);
  clearInterval(watch);
  BenchPipeline.report(await bench.finish(rows, { snapshot_done_s: snapshotDone, delivered_s: deliveredSeconds, ...snapshot }));
} finally {
  await bench.cleanup();
}
