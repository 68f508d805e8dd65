import PQueue from 'p-queue';
import { randomBytes } from 'node:crypto';
import type { ChangeEvent, Row, SnapshotMarker } from '../../model/change-event.js';
import type { SnapshotProgress, TableProgress } from '../../model/snapshot-progress.js';
import type { Logger } from '../../logger.js';
import { TributaryError, asTributaryError } from '../../errors/tributary-error.js';
import type { StreamInject, StreamObserver } from '../binlog/transaction-assembler.js';
import type { ChunkReader, KeyCursor, SnapshotTable } from './chunk-reader.js';
import { SIGNALS_TABLE, WATERMARKS_TABLE } from './control-tables.js';
import { SnapshotWindow, type WindowChanges } from './snapshot-window.js';
import { ChunkSizer } from './chunk-sizer.js';
import type { WatermarkSource } from './watermark-source.js';
import type { ChunkWindows } from './gtid-windows.js';
import type { SignalChannel } from './signal-topic.js';
import { formatReport, reportProgress } from './progress-report.js';
import type { OutageLog } from '../../observe/outage-log.js';

export interface IncrementalSnapshotOptions {
  pipeline: string;
  reader: ChunkReader;
  /** Makes the watermarks of this snapshot's chunks, given its windows (snapshot.watermarks). */
  watermarks: (windows: ChunkWindows) => WatermarkSource;
  /** Ad-hoc requests from outside the binlog (snapshot.signal_topic), read once the stream attaches. */
  signals?: SignalChannel;
  logger: Logger;
  /** Rows per chunk at most (snapshot.chunk_size). */
  chunkSize: number;
  /** Bytes of row data per chunk at most, as ChunkSizer estimates them (snapshot.chunk_max_bytes). */
  chunkMaxBytes: number;
  /** Tables snapshotted at once; also the bound on chunks held in memory. */
  parallelism: number;
  maxUnkeyedRows: number;
  /** How long a MySQL outage is retried before the snapshot gives up (source.retry_max_ms). */
  retryMaxMs: number;
  outages: OutageLog;
  /** Progress from the checkpoint (tables still to finish), or null. */
  progress: SnapshotProgress | null;
  /** Told when the snapshot cannot go on; the pipeline stops. */
  onError: (err: TributaryError) => void;
  now?: () => number;
  /** How often progress is logged while tables remain (default 5 s). */
  reportEveryMs?: number;
}

/** How many times an unkeyed table is re-read when it changed during the read. */
const UNKEYED_ATTEMPTS = 5;

/**
 * Snapshots tables while the binlog streams, chunk by chunk, without locks and without a
 * long transaction (DBLog's watermark algorithm). For each chunk:
 *   1. write a low watermark (it enters the binlog),
 *   2. SELECT the chunk by primary key (keyset pagination),
 *   3. write a high watermark.
 * The stream, seeing the low watermark, starts noting the keys of that table that change;
 * at the high watermark, the chunk's rows whose key changed in between are dropped (the
 * binlog already carried their newer state) and the rest are injected right there, where
 * they are exactly current. So no row is missing and no key ever goes back to an older
 * version. Progress is saved per chunk with the position, so a crash resumes at the next
 * chunk, and an ad-hoc snapshot of a table is the same thing started by a signal.
 */
export class IncrementalSnapshot implements StreamObserver {
  private readonly options: IncrementalSnapshotOptions;
  private readonly log: Logger;
  private readonly runId = randomBytes(4).toString('hex');
  private readonly queue: PQueue;
  private readonly free: number[];
  private readonly window = new SnapshotWindow();
  private readonly watermarks: WatermarkSource;
  private progress: SnapshotProgress;
  /** Adds a batch to the stream where it stands (set when the stream attaches). */
  private inject: StreamInject | null = null;
  private chunkSeq = 0;
  private closed = false;
  private readonly scheduled = new Set<string>();
  /** Tables dropped or renamed away while (or before) their snapshot ran: it stops. */
  private readonly gone = new Set<string>();
  private reporter: NodeJS.Timeout | null = null;
  private readonly stopping = new AbortController();

  constructor(options: IncrementalSnapshotOptions) {
    this.options = options;
    this.log = options.logger.child('snapshot');
    this.queue = new PQueue({ concurrency: options.parallelism });
    this.free = Array.from({ length: options.parallelism }, (_, i) => i);
    this.progress = options.progress ?? { tables: {} };
    this.watermarks = options.watermarks(this.window);
  }

  private report(): void {
    const now = (this.options.now ?? Date.now)();
    for (const r of reportProgress(this.progress, now)) {
      if (this.scheduled.has(r.table)) this.log.info(`snapshot ${formatReport(r)}`);
    }
  }

  /** Snapshots the given tables (`db.table`), or resumes those the progress has unfinished. */
  start(tables: readonly string[]): void {
    for (const id of tables) this.schedule(id);
  }

  close(): void {
    this.closed = true;
    this.stopping.abort();
    void this.options.signals?.close();
    if (this.reporter) clearInterval(this.reporter);
    this.reporter = null;
    this.queue.clear();
    this.window.abortAll(new TributaryError('snapshot stopped', { code: 'SNAPSHOT' }));
  }

  // --- StreamObserver: called synchronously from the binlog stream, in order ---

  watches(db: string, table: string): boolean {
    return this.window.watches(`${db}.${table}`);
  }

  changed(db: string, table: string, row: Row): void {
    this.window.changed(`${db}.${table}`, row);
  }

  attach(executed: string | null, inject: StreamInject): void {
    this.inject = inject;
    this.watermarks.stream?.attach(executed, inject);
    this.options.signals?.start(this.progress.signalOffset ?? null, (tables, next) => this.requested(tables, next), this.options.onError);
  }

  began(gtid: string | null): void {
    this.watermarks.stream?.began(gtid);
  }

  committed(gtid: string | null, emit: StreamInject): void {
    this.watermarks.stream?.committed(gtid, emit);
  }

  control(table: string, row: Row, emit: (events: ChangeEvent[], progress?: SnapshotProgress) => void): void {
    if (row.pipeline !== this.options.pipeline) return;
    if (table === WATERMARKS_TABLE && !this.watermarks.stream) {
      const chunk = String(row.chunk);
      if (row.kind === 'low') this.window.open(chunk);
      else if (row.kind === 'high') this.window.close(chunk, (events, progress) => emit(events, progress));
    } else if (table === SIGNALS_TABLE && row.kind === 'snapshot') {
      const tables = String(row.payload).split(',').map((t) => t.trim()).filter(Boolean);
      // The request becomes part of the checkpoint together with the signal's own
      // position, so a crash right after it still snapshots these tables on restart.
      this.requested(tables, null, emit);
    }
  }

  /**
   * An ad-hoc snapshot request, from a signal row in the binlog or from the signal topic
   * (`signalOffset`, the Kafka offset after it, kept in the progress so that a restart
   * reads the topic from there and acts on each request once). The request enters the
   * stream (and so the checkpoint) at `emit`, the stream's current point.
   */
  requested(tables: readonly string[], signalOffset: string | null, emit: StreamInject | null = this.inject): void {
    const accepted = this.request(tables, 'ad-hoc snapshot requested');
    if (signalOffset !== null) this.progress = { ...this.progress, signalOffset };
    if ((accepted.length > 0 || signalOffset !== null) && emit) emit([], this.progress);
  }

  tablesChanged(ended: readonly string[], gone: boolean, appeared: readonly string[]): SnapshotProgress | undefined {
    let changed = false;
    for (const id of ended) {
      this.window.endTable(id);
      if (!gone) continue;
      this.gone.add(id);
      const p = this.progress.tables[id];
      if (p && !p.done) {
        // A restart must not try to snapshot a table that no longer exists.
        this.setTable(id, { ...p, done: true });
        changed = true;
      }
    }
    for (const id of appeared) this.gone.delete(id);
    // Like an ad-hoc request, the snapshot enters the checkpoint with the rename's position.
    if (this.request(appeared, 'snapshot after RENAME TABLE requested').length > 0) changed = true;
    return changed ? this.progress : undefined;
  }

  /** Plans fresh snapshots of tables (`db.table`) and schedules them; returns the ones accepted. */
  private request(tables: readonly string[], why: string): string[] {
    const now = new Date((this.options.now ?? Date.now)()).toISOString();
    const accepted: string[] = [];
    for (const id of tables) {
      if (this.scheduled.has(id)) {
        this.log.warn(`snapshot of ${id} not started again: it is being snapshotted already`);
        continue;
      }
      this.setTable(id, { cursor: null, rows: 0, total: null, startedAt: now, done: false, incremental: true });
      accepted.push(id);
    }
    if (accepted.length === 0) return accepted;
    this.log.info(`${why} for ${accepted.join(', ')}`);
    for (const id of accepted) this.schedule(id);
    return accepted;
  }

  // --- the work ---

  /**
   * One step of the snapshot, retried through a MySQL outage. Every step may run twice:
   * a watermark is an upsert of this chunk's id, and a chunk read again between its two
   * watermarks is still exactly what the watermarks promise.
   */
  private step<T>(op: () => Promise<T>): Promise<T> {
    return this.options.outages.retry('MySQL (snapshot)', op, { maxMs: this.options.retryMaxMs, signal: this.stopping.signal });
  }

  private schedule(id: string): void {
    if (this.closed || this.scheduled.has(id)) return;
    const existing = this.progress.tables[id];
    if (existing?.done) return;
    const fresh = !existing || (existing.cursor === null && existing.rows === 0);
    this.scheduled.add(id);
    this.reporter ??= setInterval(() => this.report(), this.options.reportEveryMs ?? 5_000);
    void this.queue
      .add(async () => {
        const slot = this.free.pop()!;
        try {
          await this.snapshotTable(id, slot, fresh);
        } finally {
          this.free.push(slot);
          this.scheduled.delete(id);
          if (this.scheduled.size === 0 && this.reporter) {
            clearInterval(this.reporter);
            this.reporter = null;
          }
        }
      })
      .catch((err: unknown) => {
        if (this.closed) return;
        // A table dropped under the snapshot: its reads fail before the stream reaches the DROP.
        if (this.gone.has(id) || tableMissing(err)) {
          for (const chunk of this.window.forgetTable(id)) this.watermarks.stream?.forget(chunk);
          this.log.info(`snapshot of ${id} stopped: the table is gone`);
          return;
        }
        this.options.onError(asTributaryError(err, 'SNAPSHOT'));
      });
  }

  private async snapshotTable(id: string, slot: number, fresh: boolean): Promise<void> {
    const dot = id.indexOf('.');
    const t = await this.step(() => this.options.reader.describe(id.slice(0, dot), id.slice(dot + 1)));
    const now = this.options.now ?? Date.now;
    if (fresh) {
      // An ad-hoc request stays marked as one: its reads are `incremental`.
      const incremental = this.progress.tables[id]?.incremental === true ? { incremental: true } : {};
      this.setTable(id, { cursor: null, rows: 0, total: t.estimatedRows, startedAt: new Date(now()).toISOString(), done: false, ...incremental });
    } else {
      this.setTable(id, { ...this.progress.tables[id]!, total: t.estimatedRows });
    }
    this.log.info(`${fresh ? 'snapshotting' : 'resuming snapshot of'} ${id} (~${t.estimatedRows} rows, key: ${t.chunkKey.join(', ') || 'none'})`);
    if (t.chunkKey.length === 0) await this.snapshotUnkeyed(id, slot, t);
    else await this.snapshotKeyed(id, slot, t);
    if (this.closed) return;
    const p = this.progress.tables[id]!;
    this.log.info(`snapshot of ${id} done: ${p.rows} rows`);
  }

  private async snapshotKeyed(id: string, slot: number, t: SnapshotTable): Promise<void> {
    const { reader } = this.options;
    const sizer = new ChunkSizer(this.options.chunkSize, this.options.chunkMaxBytes);
    let cursor = this.progress.tables[id]!.cursor;
    // Reading chunk n+1 overlaps with the stream delivering chunk n: at most two chunks
    // of a table are held at once.
    let previous: Promise<void> = Promise.resolve();
    for (;;) {
      if (this.closed || this.gone.has(id)) return;
      const chunk = this.newChunk(id);
      const delivered = this.window.expect(chunk, id, t.chunkKey);
      await this.watermark(slot, chunk, 'low');
      const limit = sizer.next();
      const read = await this.step(() => reader.readChunk(t, cursor, limit));
      sizer.observe(read.rows);
      const last = !read.more;
      const end = read.last ?? cursor;
      this.window.fill(chunk, (changed) => this.chunkEvents(id, t, read.rows, read.keys, changed, end, last));
      await this.watermark(slot, chunk, 'high');
      await previous;
      previous = delivered;
      cursor = end;
      if (last) return delivered;
    }
  }

  private async snapshotUnkeyed(id: string, slot: number, t: SnapshotTable): Promise<void> {
    const { reader, maxUnkeyedRows } = this.options;
    const count = await this.step(() => reader.countRows(t));
    if (count > maxUnkeyedRows) {
      throw new TributaryError(`${id} has no primary key and no unique NOT NULL index, and ${count} rows: more than snapshot.max_unkeyed_rows (${maxUnkeyedRows}) to read in one pass`, {
        code: 'SNAPSHOT',
        fix: `add a primary key to ${id}, raise snapshot.max_unkeyed_rows, or exclude the table in source.exclude`,
      });
    }
    this.log.warn(`${id} has no primary key or unique NOT NULL index: reading its ${count} rows in one pass`);
    for (let attempt = 1; attempt <= UNKEYED_ATTEMPTS; attempt++) {
      if (this.closed || this.gone.has(id)) return;
      const chunk = this.newChunk(id);
      const delivered = this.window.expect(chunk, id, []);
      await this.watermark(slot, chunk, 'low');
      const rows = await this.step(() => reader.readAll(t));
      // Without a key, a change during the read cannot be matched to a row: read again.
      let retry = false;
      this.window.fill(chunk, (changed) => {
        if (changed.anyChange) {
          retry = true;
          return { events: [], progress: undefined };
        }
        return this.chunkEvents(id, t, rows, null, changed, null, true);
      });
      await this.watermark(slot, chunk, 'high');
      await delivered;
      if (!retry) return;
      this.log.warn(`${id} changed while it was read without a key; reading again (attempt ${attempt + 1})`);
    }
    throw new TributaryError(`${id} kept changing while it was read; it has no key to read it in chunks`, {
      code: 'SNAPSHOT',
      fix: `add a primary key to ${id} or run the snapshot when it is quiet (tributary snapshot --tables ${id})`,
    });
  }

  private watermark(slot: number, chunk: string, kind: 'low' | 'high'): Promise<void> {
    return this.step(() => this.watermarks.mark(this.options.pipeline, slot, chunk, kind));
  }

  /** Builds the chunk's `r` events at the high watermark, leaving out keys the binlog changed meanwhile. */
  private chunkEvents(
    id: string,
    t: SnapshotTable,
    rows: readonly Row[],
    keys: readonly string[] | null,
    changed: WindowChanges,
    cursor: KeyCursor | null,
    last: boolean,
  ): { events: ChangeEvent[]; progress: SnapshotProgress } {
    const before = this.progress.tables[id]!;
    const events: ChangeEvent[] = [];
    const ts = (this.options.now ?? Date.now)();
    // Rows read before a TRUNCATE/DROP/RENAME that the stream passed inside the window are stale.
    const count = changed.everyKey ? 0 : rows.length;
    for (let i = 0; i < count; i++) {
      if (keys && changed.keys.has(keys[i]!)) continue;
      events.push({
        op: 'r',
        schema: t.schema,
        before: null,
        after: rows[i]!,
        source: { ts_ms: ts, snapshot: 'true', db: t.db, table: t.table, server_id: 0, gtid: null, file: '', pos: 0, row: i, thread: null, query: null },
        transaction: null,
      });
    }
    if (events.length > 0) this.mark(id, events, before.rows === 0, last);
    this.setTable(id, { ...before, cursor, rows: before.rows + events.length, done: last || this.gone.has(id) });
    return { events, progress: this.progress };
  }

  /**
   * Debezium's markers on one chunk's reads (they start as `true`). Over a planned
   * snapshot, `first` goes to the first read of all its tables and `last` to the last
   * read of the table that finishes last; tables are read in parallel, so that is decided
   * from the other planned tables' progress when the chunk is delivered. A read that is
   * both a table's first and last gets one marker, by Debezium's precedence: last of the
   * snapshot, first of the snapshot, last of the table, first of the table.
   */
  private mark(id: string, events: ChangeEvent[], firstOfTable: boolean, lastOfTable: boolean): void {
    if (this.progress.tables[id]!.incremental === true) {
      for (const e of events) e.source.snapshot = 'incremental' satisfies SnapshotMarker;
      return;
    }
    const others = Object.entries(this.progress.tables).filter(([other, p]) => other !== id && p.incremental !== true);
    const firstOfSnapshot = firstOfTable && others.every(([, p]) => p.rows === 0);
    const lastOfSnapshot = lastOfTable && others.every(([, p]) => p.done);
    const marker = (first: boolean, last: boolean): SnapshotMarker =>
      last && lastOfSnapshot ? 'last'
      : first && firstOfSnapshot ? 'first'
      : last ? 'last_in_data_collection'
      : first ? 'first_in_data_collection'
      : 'true';
    const n = events.length;
    events[0]!.source.snapshot = marker(firstOfTable, lastOfTable && n === 1);
    if (n > 1) events[n - 1]!.source.snapshot = marker(false, lastOfTable);
  }

  private setTable(id: string, table: TableProgress): void {
    this.progress = { ...this.progress, tables: { ...this.progress.tables, [id]: table } };
  }

  private newChunk(id: string): string {
    return `${this.runId}:${++this.chunkSeq}:${id}`;
  }
}

function tableMissing(err: unknown): boolean {
  if (err instanceof TributaryError && err.code === 'SCHEMA_UNKNOWN_TABLE') return true;
  const cause = (err as { cause?: { errno?: number } } | null)?.cause;
  return cause?.errno === 1146;
}
