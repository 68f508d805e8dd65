/**
 * Benchmark (latency): BENCH_RATE rows/s (default 2,000) for BENCH_SECONDS (default 60)
 * into a caught-up `tributary start`, each row's `written` DATETIME(6) set to the
 * server's NOW(6) (UTC session; the server shares this host's clock). Reads the records
 * back and reports p50 / p99 / max of the Kafka record's CreateTime minus `written`.
 *
 *   [BENCH_DELIVERY=exactly_once] [BENCH_REGISTRY=1] [BENCH_RATE=2000] [BENCH_SECONDS=60] npx tsx bench/latency.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { decoderFromSchemasTopic } from '../test/support/topic-reader.js';
import { registryDecoder } from '../test/support/registry.js';
import { BenchPipeline } from './bench-pipeline.js';
import { timestampedRecords } from './timestamped-records.js';

const rate = Number(process.env.BENCH_RATE ?? 2000);
const durationS = Number(process.env.BENCH_SECONDS ?? 60);
const rows = Math.round(rate * durationS);
/** One INSERT per tick, of the rows due since the last one. */
const TICK_MS = 10;

const bench = await BenchPipeline.create('latency');
try {
  // NOW(6) in UTC, so `written` (a DATETIME, decoded as local-timestamp-micros) is epoch micros.
  await bench.db.conn.query("SET time_zone = '+00:00'");
  await bench.start(true);
  await bench.warmUp();
  bench.measure();
  let written = 0;
  while (written < rows) {
    const due = Math.min(rows, Math.floor(bench.elapsed() * rate));
    if (due > written) {
      await bench.table.insert(written, due - written);
      written = due;
    }
    await sleep(TICK_MS);
  }
  const writeSeconds = bench.elapsed();
  await bench.delivered(rows);
  const result = await bench.finish(rows, { target_rate: rate, write_s: writeSeconds });

  const records = await timestampedRecords(bench.kafka, bench.topic, rows + 1); // with the warm-up row
  const decode = await valueDecoder();
  const latencies: number[] = [];
  for (const r of records) {
    const after = ((await decode(r.value!)) as { after: { id: bigint | number; written: bigint | number } }).after;
    if (Number(after.id) !== 0) latencies.push(r.timestamp - Number(after.written) / 1000);
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 10) / 10;
  BenchPipeline.report({ ...result, latency_ms: { p50: at(0.5), p99: at(0.99), max: at(1) } });
} finally {
  await bench.cleanup();
}

/** Decodes an envelope the way a consumer would: from the schemas topic, or by id from the registry. */
async function valueDecoder(): Promise<(frame: Buffer) => Promise<unknown>> {
  if (bench.registry) {
    const registry = registryDecoder();
    return (frame) => registry.decode(frame);
  }
  const decoder = await decoderFromSchemasTopic(bench.kafka, bench.cfg.schemasTopic);
  return async (frame) => decoder.decode(frame).value;
}
