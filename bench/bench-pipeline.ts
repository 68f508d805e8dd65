/**
 * What every workload bench shares: its own database and topics, a pipeline config with the
 * options chosen by environment (BENCH_DELIVERY=exactly_once, BENCH_REGISTRY=1), the
 * `tributary start` child, its peak RSS and the CPU-seconds of it, MariaDB and Kafka over
 * the measured interval, and one JSON result line that bench/run-all.ts collects.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { ownDatabase, KAFKA_BROKERS, deleteTopics } from '../test/support/stack.js';
import { spawnTributary, testPipelineConfig, waitFor, type TestPipelineConfig } from '../test/support/pipeline-harness.js';
import { topicSize } from '../test/support/topic-size.js';
import { peakRssMb } from '../test/support/peak-rss.js';
import { REGISTRY_URL } from '../test/support/registry.js';
import { BenchTable } from './bench-table.js';
import { ProcessCpu, type CpuSample } from './process-cpu.js';

export interface BenchResult {
  workload: string;
  rows: number;
  delivery: string;
  framing: string;
  seconds: number;
  rows_per_s: number;
  peak_rss_mb: number;
  cpu_s: CpuSample;
  exit_code: number | null;
  [extra: string]: unknown;
}

type Child = ReturnType<typeof spawnTributary>;

export class BenchPipeline {
  /** The line prefix run-all.ts looks for in a bench's output. */
  static readonly RESULT_PREFIX = 'BENCH_RESULT ';

  /** The row count: the first argument, else BENCH_ROWS, else 1,000,000. */
  static rows(): number {
    return Number(process.argv[2] ?? process.env.BENCH_ROWS ?? 1_000_000);
  }

  /**
   * The child runs the build, as a deployment does (tsx's loader costs about 30 MB of RSS);
   * BENCH_CLI=tsx runs the TypeScript sources instead. create() builds once per process.
   */
  static readonly compiled = process.env.BENCH_CLI !== 'tsx';
  private static built = false;

  /** BENCH_DELIVERY=exactly_once measures Kafka transactions (with the Kafka checkpoint store they need). */
  readonly exactlyOnce = process.env.BENCH_DELIVERY === 'exactly_once';
  /** BENCH_REGISTRY=1 measures registry mode (Confluent framing, ids from the stack's registry). */
  readonly registry = process.env.BENCH_REGISTRY === '1';
  readonly kafka = new Kafka({ brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  private child: Child | null = null;
  private cpu: ProcessCpu | null = null;
  private startedAt = 0;
  /** Messages on the topic before the measured interval (the warm-up row and its markers). */
  private before = 0;

  private constructor(
    readonly workload: string,
    readonly db: Awaited<ReturnType<typeof ownDatabase>>,
    readonly table: BenchTable,
    readonly cfg: TestPipelineConfig,
  ) {}

  /** A database of its own with the empty bench table, and a config for it; `snapshot` adds [snapshot] keys. */
  static async create(workload: string, snapshot: Record<string, string | number> = { mode: 'never' }): Promise<BenchPipeline> {
    if (BenchPipeline.compiled && !BenchPipeline.built) {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
      BenchPipeline.built = true;
    }
    const db = await ownDatabase(`bench_${workload}`);
    const exactlyOnce = process.env.BENCH_DELIVERY === 'exactly_once';
    const set = benchSettings(process.env.BENCH_SET ?? '');
    const cfg = testPipelineConfig({
      ...(process.env.BENCH_REGISTRY === '1' ? { extra: `[registry]\nurl = "${REGISTRY_URL}"` } : {}),
      db: db.name,
      // BENCH_COMPRESSION=<codec> sets kafka.compression (default none).
      kafka: { compression: process.env.BENCH_COMPRESSION ?? 'none', ...(exactlyOnce ? { delivery: 'exactly_once' } : {}), ...set['kafka'] },
      checkpoint: exactlyOnce ? { store: 'kafka', interval_ms: 1000 } : { interval_ms: 1000 },
      snapshot: { ...snapshot, ...set['snapshot'] },
    });
    // BENCH_NOTE_BYTES=<n>: every row's TEXT column exactly n bytes (wide rows; bench/wide-rows.ts).
    const noteBytes = process.env.BENCH_NOTE_BYTES ? Number(process.env.BENCH_NOTE_BYTES) : null;
    const table = new BenchTable(db.conn, 't', noteBytes);
    await table.create();
    return new BenchPipeline(workload, db, table, cfg);
  }

  get topic(): string {
    return this.cfg.topicFor(this.table.name);
  }

  get pid(): number {
    return this.child!.child.pid!;
  }

  output(): string {
    return this.child?.output() ?? '';
  }

  /** Spawns `tributary start`; with `untilStreaming`, returns once it streams the binlog (caught up). */
  async start(untilStreaming: boolean): Promise<void> {
    // BENCH_NODE_ARGS: node flags for the child, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    const run = spawnTributary(['start', '--config', this.cfg.file], {}, { nodeArgs, compiled: BenchPipeline.compiled });
    this.child = run;
    this.cpu = new ProcessCpu({ tributary: run.child.pid!, ...ProcessCpu.stackPids() });
    if (!untilStreaming) return;
    await waitFor(() => this.exited() || run.output().includes('streaming the binlog'), 60_000, run.output);
    if (this.exited()) throw new Error(`tributary exited before streaming:\n${run.output()}`);
  }

  /**
   * Inserts row id 0 and waits until it is on the topic, so the measured interval does not
   * include the first message's one-off costs (schema registration, producer and topic
   * creation). delivered() counts from there.
   */
  async warmUp(): Promise<void> {
    await this.table.insert(-1, 1);
    await this.delivered(1, 60_000);
    this.before = await topicSize(this.kafka, this.topic);
  }

  /** Starts the measured interval: wall clock and CPU. */
  measure(): void {
    this.startedAt = Date.now();
    this.cpu!.start();
  }

  /** Seconds since measure(). */
  elapsed(): number {
    return (Date.now() - this.startedAt) / 1000;
  }

  /**
   * Waits until the topic holds `rows` messages more than before the interval. With exactly_once the count includes the
   * commit markers, so it ends at most the last Kafka transaction early. Returns the
   * seconds since measure().
   */
  async delivered(rows: number, timeoutMs = 60 * 60_000): Promise<number> {
    let size = 0;
    await waitFor(async () => {
      if (this.exited()) throw new Error(`tributary exited:\n${this.output()}`);
      size = await topicSize(this.kafka, this.topic);
      return size >= this.before + rows;
    }, timeoutMs, () => `${size - this.before} of ${rows} on ${this.topic}`);
    return this.elapsed();
  }

  /** Prints the line run-all.ts collects. */
  static report(result: BenchResult): void {
    console.log(BenchPipeline.RESULT_PREFIX + JSON.stringify(result));
  }

  /** Ends the interval and stops the child; `extra` adds workload figures to the result. */
  async finish(rows: number, extra: Record<string, unknown> = {}): Promise<BenchResult> {
    const seconds = this.elapsed();
    const cpu = this.cpu!.stop();
    const peak = peakRssMb(this.pid);
    this.child!.child.kill('SIGTERM');
    const code = await this.child!.exited;
    // BENCH_LOG=<file> keeps what the child printed (its log, or node's --trace-gc lines).
    if (process.env.BENCH_LOG) writeFileSync(process.env.BENCH_LOG, this.output());
    const result: BenchResult = {
      workload: this.workload,
      rows,
      delivery: this.exactlyOnce ? 'exactly_once' : 'at_least_once',
      framing: this.registry ? 'registry' : 'self-contained',
      compression: process.env.BENCH_COMPRESSION ?? 'none',
      ...(this.table.noteBytes !== null ? { note_bytes: this.table.noteBytes } : {}),
      ...(process.env.BENCH_SET ? { set: process.env.BENCH_SET } : {}),
      seconds,
      rows_per_s: Math.round(rows / seconds),
      peak_rss_mb: peak,
      cpu_s: cpu,
      exit_code: code,
      ...extra,
    };
    return result;
  }

  /** Kills a child still running, deletes the topics and drops the database. */
  async cleanup(): Promise<void> {
    if (this.child && !this.exited()) {
      this.child.child.kill('SIGKILL');
      await this.child.exited;
    }
    await deleteTopics(this.kafka, this.cfg.name);
    await this.db.drop();
  }

  private exited(): boolean {
    return this.child !== null && (this.child.child.exitCode !== null || this.child.child.signalCode !== null);
  }
}

/**
 * BENCH_SET="kafka.max_in_flight_bytes=4194304 snapshot.chunk_max_bytes=2097152": config
 * keys of [kafka] and [snapshot] to try against their defaults; numbers stay numbers.
 */
function benchSettings(text: string): Record<string, Record<string, string | number>> {
  const out: Record<string, Record<string, string | number>> = {};
  for (const item of text.split(/\s+/).filter((x) => x !== '')) {
    const m = /^(kafka|snapshot)\.([a-z_]+)=(.+)$/.exec(item);
    if (!m) throw new Error(`BENCH_SET: "${item}" is not kafka.<key>=<value> or snapshot.<key>=<value>`);
    const value = m[3]!;
    (out[m[1]!] ??= {})[m[2]!] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return out;
}
