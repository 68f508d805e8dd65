/**
 * Benchmark (memory by row width): the snapshot and the one-transaction UPDATE, each on the
 * bench table with its usual rows (about 250 bytes) and with every row's TEXT column
 * BENCH_WIDE_BYTES long (default 10,000: rows of about 10 kB), ROWS rows each (default
 * 50,000). Tributary bounds its buffers by bytes (snapshot.chunk_max_bytes,
 * kafka.max_in_flight_bytes), so the wide runs' peak RSS should stay near the narrow ones',
 * not grow with the width. Prints one line per run and the ratio of peak RSS wide / narrow.
 *
 *   [BENCH_WIDE_BYTES=10000] [BENCH_DELIVERY=exactly_once] npx tsx bench/wide-rows.ts [rows]
 */
import { runBenchScript } from './run-bench-script.js';
import type { BenchResult } from './bench-pipeline.js';

const rows = String(Number(process.argv[2] ?? process.env.BENCH_ROWS ?? 50_000));
const wide = String(Number(process.env.BENCH_WIDE_BYTES ?? 10_000));
const WORKLOADS = { snapshot: 'snapshot-throughput.ts', update: 'large-transaction.ts' } as const;

const lines = ['| workload | rows | row width | rows/s | MB/s of note | peak RSS MB | RSS wide / narrow |', '| --- | ---: | --- | ---: | ---: | ---: | ---: |'];
let failed = false;
for (const [workload, script] of Object.entries(WORKLOADS)) {
  const narrow = await runBenchScript(script, { BENCH_NOTE_BYTES: '' }, [rows]);
  const wideRun = await runBenchScript(script, { BENCH_NOTE_BYTES: wide }, [rows]);
  if (!narrow || !wideRun) {
    failed = true;
    continue;
  }
  const row = (r: BenchResult, width: string, noteBytes: number, ratio: string) =>
    `| ${workload} | ${Number(rows).toLocaleString('en-US')} | ${width} | ${r.rows_per_s.toLocaleString('en-US')} | ${((r.rows_per_s * noteBytes) / 1e6).toFixed(1)} | ${r.peak_rss_mb} | ${ratio} |`;
  lines.push(row(narrow, 'about 250 B (note 40–100 B)', 70, ''));
  lines.push(row(wideRun, `note ${Number(wide).toLocaleString('en-US')} B`, Number(wide), (wideRun.peak_rss_mb / narrow.peak_rss_mb).toFixed(2)));
}
console.log(lines.join('\n'));
if (failed) process.exitCode = 1;
