import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Op } from '../model/change-event.js';
import type { Checkpoint } from '../checkpoint/checkpoint.js';
import type { SnapshotProgress } from '../model/snapshot-progress.js';
import { reportProgress } from '../source/snapshot/progress-report.js';

/** Changes of one table, by op. */
export interface TableChanges {
  db: string;
  table: string;
  c: number;
  u: number;
  d: number;
  r: number;
  t: number;
}

/** What the metrics read when scraped: the pipeline's own state, asked only then. */
export interface MetricsReadings {
  /** Messages handed to the sink and not yet acked. */
  inFlight(): number;
  /** Failed attempts per dependency (OutageLog.retries). */
  retries(): ReadonlyMap<string, number>;
  /** The newest saved checkpoint. */
  checkpoint(): Checkpoint | null;
  /** The snapshot progress covered by acked data. */
  snapshot(): SnapshotProgress | null;
  /** The pipeline's state, as /readyz says it. */
  state(): string;
}

const OPS: readonly Op[] = ['c', 'u', 'd', 'r', 't'];
const STATES = ['starting', 'snapshotting', 'streaming', 'retrying', 'stopped'] as const;

/**
 * The pipeline's Prometheus metrics, in a Registry of its own (two pipelines in one process
 * never share series). Stages report into it through small calls per batch or per request;
 * the counts of changes are plain numbers bumped per event (no allocation, no label lookup
 * by prom-client per row) and copied into the counters only when scraped, as are the gauges
 * read from the pipeline's state.
 */
export class PipelineMetrics {
  readonly registry = new Registry();
  private readonly now: () => number;
  private readonly byDb = new Map<string, Map<string, TableChanges>>();
  /** The last table counted: a batch's events mostly come from one table. */
  private last: TableChanges | null = null;
  private newestSourceTs = 0;
  private pausedMs = 0;
  private pausedSince: number | null = null;
  private readings: MetricsReadings | null = null;
  private readonly messages: Counter;
  private readonly bytes: Counter;
  private readonly latency: Histogram;
  private readonly heartbeats: Counter;

  constructor(pipeline: string, now: () => number = Date.now) {
    this.now = now;
    const registers = [this.registry];
    this.registry.setDefaultLabels({ pipeline });
    const self = this;
    new Counter({
      name: 'tributary_changes_total',
      help: 'Row changes handed to Kafka, per table and op (c insert, u update, d delete, r snapshot read, t table end).',
      labelNames: ['table', 'op'],
      registers,
      collect() {
        this.reset();
        for (const t of self.tables()) {
          for (const op of OPS) if (t[op] > 0) this.inc({ table: `${t.db}.${t.table}`, op }, t[op]);
        }
      },
    });
    this.messages = new Counter({ name: 'tributary_messages_produced_total', help: 'Messages acked by Kafka (changes, tombstones, schemas, heartbeats).', registers });
    this.bytes = new Counter({ name: 'tributary_bytes_produced_total', help: 'Bytes of records acked by Kafka (keys, values, headers and record framing, before compression).', registers });
    this.latency = new Histogram({
      name: 'tributary_produce_latency_seconds',
      help: 'Time from sending a produce request to its ack, retries included.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.heartbeats = new Counter({ name: 'tributary_heartbeats_total', help: 'Heartbeat messages acked by Kafka.', registers });
    new Gauge({
      name: 'tributary_messages_in_flight',
      help: 'Messages handed to the Kafka sink and not yet acked.',
      registers,
      collect() {
        this.set(self.readings?.inFlight() ?? 0);
      },
    });
    new Counter({
      name: 'tributary_backpressure_paused_seconds_total',
      help: 'Time the binlog was paused because kafka.max_in_flight_messages or max_in_flight_bytes were unacked.',
      registers,
      collect() {
        this.reset();
        const open = self.pausedSince === null ? 0 : self.now() - self.pausedSince;
        this.inc((self.pausedMs + open) / 1000);
      },
    });
    new Counter({
      name: 'tributary_retries_total',
      help: 'Failed attempts that were retried, per dependency (Kafka, MySQL, binlog connection, checkpoint store, schema registry, ...).',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        for (const [kind, n] of self.readings?.retries() ?? []) this.inc({ kind }, n);
      },
    });
    new Gauge({
      name: 'tributary_checkpoint_age_seconds',
      help: 'Seconds since the newest checkpoint was saved (a position that does not move is not saved again); NaN before the first.',
      registers,
      collect() {
        const cp = self.readings?.checkpoint();
        this.set(cp ? Math.max(0, self.now() - Date.parse(cp.updatedAt)) / 1000 : NaN);
      },
    });
    new Gauge({
      name: 'tributary_checkpoint_position_info',
      help: 'The newest saved checkpoint position, as labels (value 1).',
      labelNames: ['gtid', 'file', 'pos'],
      registers,
      collect() {
        this.reset();
        const cp = self.readings?.checkpoint();
        if (cp) this.set({ gtid: cp.position.gtid ?? '', file: cp.position.file, pos: String(cp.position.pos) }, 1);
      },
    });
    new Gauge({
      name: 'tributary_replication_lag_seconds',
      help: 'Now minus the binlog timestamp of the newest source event read (whole seconds on the source). NaN before the first event.',
      registers,
      collect() {
        // An unlabelled gauge always has a sample: NaN says "unknown" where 0 would claim no lag.
        this.set(self.lagSeconds() ?? NaN);
      },
    });
    const snapshotGauge = (name: string, help: string, value: (r: ReturnType<typeof reportProgress>[number]) => number | null) =>
      new Gauge({
        name,
        help,
        labelNames: ['table'],
        registers,
        collect() {
          this.reset();
          const progress = self.readings?.snapshot();
          if (!progress) return;
          for (const r of reportProgress(progress, self.now())) {
            const v = value(r);
            if (v !== null) this.set({ table: r.table }, v);
          }
        },
      });
    snapshotGauge('tributary_snapshot_rows_done', 'Snapshot rows published per table.', (r) => r.rows);
    snapshotGauge('tributary_snapshot_rows_estimated', "Rows in the table when its snapshot began (the server's estimate).", (r) => r.total);
    snapshotGauge('tributary_snapshot_eta_seconds', 'Seconds until the table is snapshotted at its rate so far; 0 when done.', (r) => r.etaSeconds);
    new Gauge({
      name: 'tributary_pipeline_state',
      help: 'The pipeline state (1 for the current one): starting, snapshotting, streaming, retrying, stopped.',
      labelNames: ['state'],
      registers,
      collect() {
        const state = self.readings?.state() ?? 'starting';
        for (const s of STATES) this.set({ state: s }, s === state ? 1 : 0);
      },
    });
  }

  /** Where scrapes read the pipeline's state; set once the pipeline is wired. */
  read(readings: MetricsReadings): void {
    this.readings = readings;
  }

  /** One change of a table; called per event, so it only bumps a number. */
  change(db: string, table: string, op: Op): void {
    let t = this.last;
    if (t === null || t.table !== table || t.db !== db) t = this.tableOf(db, table);
    t[op]++;
  }

  /** A batch read from the binlog; `ts` is its newest event's binlog timestamp (epoch ms). */
  sourceEvent(ts: number): void {
    if (ts > this.newestSourceTs) this.newestSourceTs = ts;
  }

  /** One produce request acked (KafkaSink's ProduceObserver). */
  produced(messages: number, bytes: number, seconds: number): void {
    this.messages.inc(messages);
    this.bytes.inc(bytes);
    this.latency.observe(seconds);
  }

  heartbeat(): void {
    this.heartbeats.inc();
  }

  paused(): void {
    this.pausedSince ??= this.now();
  }

  resumed(): void {
    if (this.pausedSince === null) return;
    this.pausedMs += this.now() - this.pausedSince;
    this.pausedSince = null;
  }

  /** Seconds behind the source, or null before the first event. */
  lagSeconds(): number | null {
    if (this.newestSourceTs === 0) return null;
    return Math.max(0, this.now() - this.newestSourceTs) / 1000;
  }

  /** Changes per table so far. */
  tables(): TableChanges[] {
    const out: TableChanges[] = [];
    for (const tables of this.byDb.values()) out.push(...tables.values());
    return out;
  }

  /** The registry's text exposition (Prometheus format 0.0.4). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private tableOf(db: string, table: string): TableChanges {
    let tables = this.byDb.get(db);
    if (!tables) {
      tables = new Map();
      this.byDb.set(db, tables);
    }
    let t = tables.get(table);
    if (!t) {
      t = { db, table, c: 0, u: 0, d: 0, r: 0, t: 0 };
      tables.set(table, t);
    }
    this.last = t;
    return t;
  }
}
