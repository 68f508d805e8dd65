/**
 * Runs the four workload benches one after another, each its own process (so each
 * Tributary's peak RSS and CPU are its own), and prints their Markdown table.
 *
 *   [BENCH_ROWS=1000000] [BENCH_DELIVERY=exactly_once] [BENCH_REGISTRY=1] [BENCH_RATE=2000] [BENCH_SECONDS=60] npx tsx bench/run-all.ts [workload...]
 *
 * Workloads: stream, snapshot, update, latency (default: all four, in that order).
 */
import type { BenchResult } from './bench-pipeline.js';
import { runBenchScript } from './run-bench-script.js';
import { resultTable } from './result-table.js';

const SCRIPTS: Record<string, string> = {
  stream: 'stream-throughput.ts',
  snapshot: 'snapshot-throughput.ts',
  update: 'large-transaction.ts',
  latency: 'latency.ts',
};

const chosen = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(SCRIPTS);
const unknown = chosen.filter((w) => !(w in SCRIPTS));
if (unknown.length > 0) {
  throw new Error(`unknown workload(s) ${unknown.join(', ')}; choose from ${Object.keys(SCRIPTS).join(', ')}`);
}

const results: BenchResult[] = [];
for (const workload of chosen) {
  const result = await runBenchScript(SCRIPTS[workload]!);
  if (result) results.push(result);
  else process.exitCode = 1;
}
console.log(resultTable(results));
