/**
 * Runs the four workload benches one after another, each its own process (so each
 * Tributary's peak RSS and CPU are its own), and prints their Markdown table.
 *
 *   [BENCH_ROWS=1000000] [BENCH_DELIVERY=exactly_once] [BENCH_REGISTRY=1] [BENCH_RATE=2000] [BENCH_SECONDS=60] npx tsx bench/run-all.ts [workload...]
 *
 * Workloads: stream, snapshot, update, latency (default: all four, in that order).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BenchPipeline, type BenchResult } from './bench-pipeline.js';
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
  const script = fileURLToPath(new URL(SCRIPTS[workload]!, import.meta.url));
  console.error(`# ${workload}: ${script}`);
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    process.stderr.write(d);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = out.split('\n').filter((l) => l.startsWith(BenchPipeline.RESULT_PREFIX)).at(-1);
  if (code !== 0 || !line) {
    console.error(`# ${workload} failed (exit ${code})`);
    process.exitCode = 1;
    continue;
  }
  results.push(JSON.parse(line.slice(BenchPipeline.RESULT_PREFIX.length)) as BenchResult);
}
console.log(resultTable(results));
