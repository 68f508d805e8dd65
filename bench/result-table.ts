/**
 * The Markdown table bench/run-all.ts prints, one row per workload, in the shape of
 * bench/README.md's figures: paste it there as it is.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { BenchResult } from './bench-pipeline.js';

export function resultTable(results: readonly BenchResult[], date = new Date()): string {
  const gib = Math.round(Number(/MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024 / 1024);
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${gib} GiB`;
  const day = date.toISOString().slice(0, 10);
  const lines = [
    '| workload | rows | delivery / framing | rows/s | peak RSS MB | CPU-s Tributary / MariaDB / Kafka | notes | machine | date |',
    '| --- | ---: | --- | ---: | ---: | --- | --- | --- | --- |',
  ];
  for (const r of results) {
    const cpu = `${r.cpu_s.tributary} / ${r.cpu_s.mariadb} / ${r.cpu_s.kafka}`;
    lines.push(
      `| ${r.workload} | ${r.rows.toLocaleString('en-US')} | ${r.delivery} / ${r.framing} | ${r.rows_per_s.toLocaleString('en-US')} | ${r.peak_rss_mb} | ${cpu} | ${notes(r)} | ${machine} | ${day} |`,
    );
  }
  return lines.join('\n');
}

/** The workload's own figures: latency percentiles, the snapshot's done line, the statement's time. */
function notes(r: BenchResult): string {
  const latency = r.latency_ms as { p50: number; p99: number; max: number } | undefined;
  if (latency) return `${String(r.target_rate)} rows/s for ${Math.round(Number(r.write_s))} s; latency p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms`;
  if (r.snapshot_done_s != null) return `done line at ${Number(r.snapshot_done_s).toFixed(1)} s, all on the topic at ${Number(r.delivered_s).toFixed(1)} s`;
  if (r.update_statement_s != null) return `UPDATE statement ${Number(r.update_statement_s).toFixed(1)} s of ${r.seconds.toFixed(1)} s`;
  if (r.rows_per_txn != null) return `${String(r.rows_per_txn)} rows per transaction, writes took ${Number(r.write_s).toFixed(1)} s`;
  return '';
}
