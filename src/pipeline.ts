import type { ChangeEvent, SourceBatch } from './model/change-event.js';
import type { Position } from './model/position.js';
import { positionToString } from './model/position.js';
import type { Logger } from './logger.js';
import type { CheckpointMark, OutboundMessage } from './sink/kafka-sink.js';
import type { Checkpoint } from './checkpoint/checkpoint.js';
import { AckWindow } from './checkpoint/ack-window.js';
import { CheckpointKeeper } from './checkpoint/checkpoint-keeper.js';
import { CheckpointMarks } from './checkpoint/checkpoint-marks.js';
import { TributaryError, asTributaryError } from './errors/tributary-error.js';
import { snapshotPending, type SnapshotProgress } from './model/snapshot-progress.js';
import { planSnapshot } from './source/snapshot/plan-snapshot.js';
import type { TruncateDeletes } from './truncate-deletes.js';
import type { SchemaChangeDefinitions } from './schema-change-definitions.js';
import { PipelineMetrics } from './observe/pipeline-metrics.js';
import type { ObservedPipeline, PipelineState } from './observe/http-server.js';
import { pipelineStatus, type PipelineStatus } from './observe/pipeline-status.js';
import { Heartbeat } from './heartbeat.js';

/** How long a graceful stop waits for batches held back by schema registrations. */
const GATE_DRAIN_MS = 10_000;

export type { HeartbeatParts, PipelineParts, SchemaChangeParts, SnapshotParts, SnapshotSource, SourceHandlers, StreamingSource } from './pipeline-parts.js';
import type { PipelineParts, SnapshotSource, StreamingSource } from './pipeline-parts.js';

/**
 * Wires source -> route -> encode -> sink and owns the checkpoint. Data flows one way;
 * acks flow back through the AckWindow, and only a position whose every earlier message
 * Kafka acked is ever persisted. Any stage's failure stops the whole pipeline cleanly:
 * reading stops, what is in flight is given a chance to land, the last safe position is
 * saved, and run() rejects with the cause.
 */
export class Pipeline implements ObservedPipeline {
  readonly metrics: PipelineMetrics;
  private readonly parts: PipelineParts;
  private readonly log: Logger;
  private window = new AckWindow();
  private readonly keeper: CheckpointKeeper;
  private source: StreamingSource | null = null;
  private snapshot: SnapshotSource | null = null;
  private failure: TributaryError | null = null;
  private stopRequested: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private backpressure = false;
  /**
   * Registry mode: the tail of the batches held back until their schemas have ids, or
   * null when none is held. Every batch goes behind it while it stands, to keep order.
   */
  private gate: Promise<void> | null = null;
  private closing = false;
  private stopping = false;
  private readonly marks: CheckpointMarks;
  /** Tables already warned about for having no primary key. */
  private readonly keyless = new Set<string>();
  private readonly truncateDeletes: TruncateDeletes | null;
  private readonly definitions: SchemaChangeDefinitions | null;
  private readonly heartbeat: Heartbeat | null;
  /** The newest commit handed to the sink, and whether a source transaction is open after it (for heartbeats). */
  private trackedCommit: Position | null = null;
  private midTransaction = false;
  private streaming = false;

  constructor(parts: PipelineParts) {
    this.parts = parts;
    this.log = parts.logger.child('pipeline');
    this.marks = new CheckpointMarks(parts.name, () => this.now());
    this.metrics = parts.metrics ?? new PipelineMetrics(parts.name, parts.now);
    const readings = { inFlight: () => parts.sink.pendingMessages, retries: () => parts.outages.retries, checkpoint: () => this.keeper.last };
    this.metrics.read({ ...readings, snapshot: () => this.window.progress, state: () => this.state() });
    const hb = parts.heartbeat;
    this.heartbeat = hb
      ? new Heartbeat(
          { intervalMs: hb.intervalMs, action: hb.action, outages: parts.outages, retryMaxMs: hb.retryMaxMs },
          { beat: () => this.beat(), fail: (err) => this.fail(err) },
        )
      : null;
    this.keeper = new CheckpointKeeper({
      pipeline: parts.name,
      store: parts.store,
      outages: parts.outages,
      retryMaxMs: parts.checkpointRetryMaxMs,
      logger: this.log,
      now: () => this.now(),
    });
    this.truncateDeletes =
      parts.truncateDeletes?.({
        pause: () => this.source?.pause(),
        resume: () => this.resumeSource(),
        drained: () => parts.sink.flush(),
        deliver: (messages, batch) => this.deliver(messages, batch),
        forward: (batch) => this.publish(batch),
        fail: (err) => this.fail(err),
      }) ?? null;
    this.definitions =
      parts.schemaChanges?.definitions({
        pause: () => this.source?.pause(),
        resume: () => this.resumeSource(),
        forward: (batch) => this.afterDefinitions(batch),
        fail: (err) => this.fail(err),
      }) ?? null;
  }

  /** Runs until `signal` aborts (resolves) or a stage fails (rejects). Safe to call twice. */
  run(signal: AbortSignal): Promise<void> {
    this.running ??= this.execute(signal);
    return this.running;
  }

  /** stopped > retrying (an outage ridden out) > starting > snapshotting > streaming. */
  state(): PipelineState {
    if (this.failure || this.stopping) return 'stopped';
    if (this.parts.outages.current.length > 0) return 'retrying';
    if (!this.streaming) return 'starting';
    return snapshotPending(this.window.progress).length > 0 ? 'snapshotting' : 'streaming';
  }

  /** What /status answers: the `tributary status` data, with the live counts and lag. */
  status(): PipelineStatus {
    return pipelineStatus({
      pipeline: this.parts.name,
      checkpoint: this.keeper.last,
      now: this.now(),
      live: { state: this.state(), lagSeconds: this.metrics.lagSeconds(), tables: this.metrics.tables(), progress: this.window.progress },
    });
  }

  private async execute(signal: AbortSignal): Promise<void> {
    const { sink } = this.parts;
    const stopped = new Promise<void>((resolve) => {
      this.stopRequested = resolve;
    });
    const onAbort = (): void => this.stopRequested?.();
    signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | null = null;
    try {
      await this.parts.preflight?.();
      // The sink first: a transactional producer's start fences an older one of this
      // pipeline and aborts what it left open, so the load below reads settled state.
      await sink.start();
      const checkpoint = await this.keeper.load(signal);
      await this.parts.snapshot?.prepare();
      if (!checkpoint) {
        await this.begin(signal);
      } else {
        try {
          this.log.info(`resuming from ${positionToString(checkpoint.position)}`);
          await this.startStreaming(checkpoint.position, (checkpoint.snapshot as SnapshotProgress | undefined) ?? null, signal);
        } catch (err) {
          const purged = err instanceof TributaryError && err.code === 'MYSQL_POSITION_PURGED';
          if (!purged || this.parts.snapshot?.mode !== 'when_needed') throw err;
          this.log.warn(`${err.message}; snapshot.mode = "when_needed": taking a new snapshot from the current end of the binlog`);
          this.snapshot?.close();
          await this.source?.close();
          await this.begin(signal);
        }
      }
      if (!this.parts.exactlyOnce) {
        timer = setInterval(
          () =>
            void this.keeper.tick(this.window).then((err) => {
              if (err) this.fail(err);
            }),
          this.parts.checkpointIntervalMs,
        );
      }
      this.streaming = true;
      this.heartbeat?.start(signal);
      if (!signal.aborted) await stopped;
    } catch (err) {
      this.failure ??= asTributaryError(err);
    } finally {
      this.stopping = true;
      signal.removeEventListener('abort', onAbort);
      if (timer) clearInterval(timer);
      this.heartbeat?.close();
      await this.shutdown();
    }
    if (this.failure) throw this.failure;
  }

  /**
   * A start without a checkpoint: take the binlog's end, list the tables to snapshot, and
   * save both as the first checkpoint before the stream opens there. A kill at any moment
   * after this finds a checkpoint at or before every published message, with the tables
   * still to snapshot. The tables are listed after the position is taken, so a table
   * created meanwhile is in the stream, the snapshot or both, never in neither.
   */
  private async begin(signal: AbortSignal): Promise<void> {
    const snap = this.parts.snapshot;
    const from = await this.parts.currentPosition();
    const plan = snap && snap.mode !== 'never' ? planSnapshot(await snap.listTables(), this.now()) : null;
    const first: Checkpoint = { pipeline: this.parts.name, position: from, updatedAt: new Date(this.now()).toISOString() };
    if (plan) first.snapshot = plan;
    if (this.parts.exactlyOnce) {
      await this.parts.sink.send([], { mark: { position: from, progress: plan } });
      this.keeper.committed(first);
    } else await this.keeper.saveNow(first, signal);
    this.log.info(`starting at the current end of the binlog, ${positionToString(from)} (saved as the first checkpoint)`);
    await this.startStreaming(from, plan, signal);
  }

  /** Opens the stream at `from` and resumes (or starts) the snapshot of the tables `progress` has pending. */
  private async startStreaming(from: Position, progress: SnapshotProgress | null, signal: AbortSignal): Promise<void> {
    this.keeper.startedAt(from, progress);
    this.window = new AckWindow(from, progress);
    this.marks.startedAt(from, progress);
    this.trackedCommit = from;
    this.snapshot = this.parts.snapshot?.open(progress, (err) => this.fail(err)) ?? null;
    this.source = this.parts.openSource(
      from,
      { onBatch: (batch) => this.handle(batch), onError: (err) => this.fail(err) },
      this.snapshot ?? undefined,
    );
    await this.source.start(signal);
    const tables = snapshotPending(progress);
    if (this.snapshot && tables.length > 0) {
      this.log.info(`snapshot of ${tables.length} table(s): ${tables.join(', ')}`);
      this.snapshot.start(tables);
    }
  }

  private now(): number {
    return (this.parts.now ?? Date.now)();
  }

  private handle(batch: SourceBatch): void {
    if (batch.sourceTs !== undefined) this.metrics.sourceEvent(batch.sourceTs);
    if (this.failure || this.definitions?.takes(batch)) return;
    this.afterDefinitions(batch);
  }

  private afterDefinitions(batch: SourceBatch): void {
    if (this.failure || this.truncateDeletes?.takes(batch)) return;
    this.publish(batch);
  }

  /** Source -> route -> encode -> sink for one batch; never awaits. */
  private publish(batch: SourceBatch): void {
    if (this.failure) return;
    const { encoder, router, sink, tombstones, sizeGuard } = this.parts;
    const metrics = this.metrics;
    const now = this.now();
    const messages: OutboundMessage[] = [];
    try {
      const changes = this.parts.schemaChanges;
      if (changes && batch.schemaChanges) {
        for (const change of batch.schemaChanges) messages.push({ topic: changes.topic, ...changes.encoder.encode(change, now) });
      }
      const events: ChangeEvent[] = batch.events;
      for (let i = 0; i < events.length; i++) {
        const event = events[i]!;
        if (event.schema.primaryKey.length === 0 && event.op !== 't') this.warnKeyless(event);
        const topic = router.topicFor(event.source.db, event.source.table);
        metrics.change(event.source.db, event.source.table, event.op);
        const encoded = encoder.encode(event, now);
        if (sizeGuard.fits(encoded)) messages.push({ topic, key: encoded.key, value: encoded.value });
        // Throws under kafka.oversized = fail: nothing of this batch is tracked, so the checkpoint stays before it.
        else sizeGuard.oversized(event, topic, encoded, now, messages);
        if (event.op === 'd' && tombstones && encoded.key !== null) messages.push({ topic, key: encoded.key, value: null });
      }
    } catch (err) {
      this.fail(asTributaryError(err, 'ENCODE'));
      return;
    }
    const schemas = encoder.takeNewSchemas();
    if (batch.schemaChanges && this.parts.schemaChanges) schemas.push(...this.parts.schemaChanges.encoder.takeNewSchemas());
    this.sendSchemas(schemas);
    this.deliver(messages, batch);
  }

  /** New schemas go to the schemas topic in a request of their own, before any message that uses them. */
  private sendSchemas(schemas: { fingerprint: string; schema: string }[]): void {
    if (schemas.length === 0) return;
    const schemaMessages = schemas.map((s) => ({ topic: this.parts.schemasTopic, key: Buffer.from(s.fingerprint), value: Buffer.from(s.schema) }));
    this.parts.sink.send(schemaMessages, { barrier: true }).catch((err: unknown) => this.fail(asTributaryError(err, 'KAFKA_PRODUCE')));
  }

  /**
   * A heartbeat message, in order behind everything handed on. It carries the newest commit
   * handed on (none inside an open source transaction), so its ack lets the keeper save a
   * position moved only by unpublished tables now rather than once a minute, and, with
   * exactly-once, commits its Kafka transaction with that checkpoint.
   */
  private beat(): void {
    const hb = this.parts.heartbeat;
    if (!hb || this.failure || this.stopping) return;
    this.sendSchemas(hb.encoder.takeNewSchemas());
    const message = { topic: hb.topic, ...hb.encoder.encode(this.now()) };
    this.deliver([message], { events: [], commit: this.midTransaction ? null : this.trackedCommit }, true);
  }

  /**
   * Sends a batch's messages, tracked in the AckWindow with its commit and progress. In
   * registry mode a batch whose schemas are still being registered is held back (and the
   * source paused) until they have ids; later batches queue behind it, in order.
   */
  private deliver(messages: OutboundMessage[], batch: SourceBatch, heartbeat = false): void {
    if (batch.commit) this.trackedCommit = batch.commit;
    if (batch.commit || batch.events.length > 0) this.midTransaction = batch.commit === null;
    const ticket = this.window.track(batch.commit, batch.progress);
    // Snapshot progress counts as data: a chunk whose rows were all left to the stream, or
    // an empty table's, must still reach the checkpoint (and `tributary status`) promptly.
    const hasData = messages.length > 0 || batch.progress !== undefined;
    const mark = this.parts.exactlyOnce ? this.marks.markOf(batch, messages.length) : undefined;
    const registered = this.parts.encoder.registered();
    if (!registered && !this.gate) {
      this.send(messages, mark, ticket, hasData, heartbeat);
      return;
    }
    if (!this.gate) this.source?.pause();
    const gate = (this.gate ?? Promise.resolve())
      .then(() => registered)
      .then(() => {
        if (!this.failure && !this.closing) this.send(messages, mark, ticket, hasData, heartbeat);
      });
    this.gate = gate;
    gate.then(
      () => {
        if (this.gate !== gate) return;
        this.gate = null;
        this.resumeSource();
      },
      // The registration's own error (an incompatible schema, an outage past registry.retry_max_ms):
      // nothing of this batch or any later one is sent, so the checkpoint stays before it.
      (err: unknown) => this.fail(asTributaryError(err, 'REGISTRY_REQUEST')),
    );
  }

  private send(messages: OutboundMessage[], mark: CheckpointMark | undefined, ticket: number, hasData: boolean, heartbeat: boolean): void {
    const { sink } = this.parts;
    sink.send(messages, mark ? { mark } : {}).then(
      () => {
        this.window.ack(ticket);
        this.keeper.acked(hasData);
        if (heartbeat) this.metrics.heartbeat();
        // A marked group is acked only once the transaction that carries its mark (or a later one) committed.
        if (mark) this.keeper.committed(this.marks.checkpointOf(mark));
      },
      (err: unknown) => this.fail(asTributaryError(err, 'KAFKA_PRODUCE')),
    );
    if (!sink.hasCapacity && !this.backpressure) {
      this.backpressure = true;
      this.metrics.paused();
      this.source?.pause();
      sink.waitForCapacity().then(
        () => {
          this.backpressure = false;
          this.metrics.resumed();
          this.resumeSource();
        },
        () => undefined,
      );
    }
  }

  /** Resumes reading unless something still holds it: back-pressure, a registration, a truncate's deletes, a DDL's definitions. */
  private resumeSource(): void {
    if (this.failure || this.backpressure || this.gate || this.truncateDeletes?.busy || this.definitions?.busy) return;
    this.source?.resume();
  }

  private warnKeyless(event: ChangeEvent): void {
    const id = `${event.source.db}.${event.source.table}`;
    if (this.keyless.has(id)) return;
    this.keyless.add(id);
    this.log.warn(`table ${id} has no primary key: its messages have a null key, so Kafka spreads them over partitions without per-row order and compaction cannot apply`);
  }

  private fail(err: TributaryError): void {
    if (this.failure) return;
    this.failure = err;
    this.log.error(`stopping: ${err.message}`, { code: err.code, ...(err.fix ? { fix: err.fix } : {}) });
    this.stopRequested?.();
  }

  /** Stop reading, let in-flight messages land, save the last safe position, release everything. */
  private async shutdown(): Promise<void> {
    const { sink, store } = this.parts;
    this.snapshot?.close();
    await this.source?.close().catch(() => undefined);
    // Batches held for a registration that is about to land are let through; a registry
    // outage does not hold the stop longer (what is not sent stays after the checkpoint).
    if (this.gate) await Promise.race([this.gate.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, GATE_DRAIN_MS).unref())]);
    this.closing = true;
    await sink.flush().catch(() => undefined);
    try {
      // Exactly-once: the checkpoint is whatever the last committed transaction carried.
      if (!this.parts.exactlyOnce) await this.keeper.final(this.window);
      const at = this.parts.exactlyOnce ? (sink.committed?.position ?? this.keeper.saved) : this.keeper.saved;
      if (at) this.log.info(`stopped; checkpoint at ${positionToString(at)}`);
    } catch (err) {
      this.failure ??= asTributaryError(err, 'CHECKPOINT_WRITE');
    }
    await sink.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    await this.parts.snapshot?.close().catch(() => undefined);
    await this.parts.release?.().catch(() => undefined);
  }
}
