import type { ChangeEvent, SourceBatch } from './model/change-event.js';
import type { Position } from './model/position.js';
import { positionToString } from './model/position.js';
import type { Logger } from './logger.js';
import type { TopicRouter } from './route/topic-router.js';
import type { EnvelopeEncoder } from './encode/envelope-encoder.js';
import type { CheckpointMark, KafkaSink, OutboundMessage } from './sink/kafka-sink.js';
import type { RecordSizeGuard } from './sink/record-size-guard.js';
import type { Checkpoint, CheckpointStore } from './checkpoint/checkpoint.js';
import { AckWindow } from './checkpoint/ack-window.js';
import { TributaryError, asTributaryError } from './errors/tributary-error.js';
import type { StreamObserver } from './source/binlog/transaction-assembler.js';
import { snapshotPending, type SnapshotProgress } from './model/snapshot-progress.js';
import { planSnapshot } from './source/snapshot/plan-snapshot.js';
import type { OutageLog } from './observe/outage-log.js';
import type { TableEndHooks, TruncateDeletes } from './truncate-deletes.js';
import type { DefinitionHooks, SchemaChangeDefinitions } from './schema-change-definitions.js';
import type { SchemaChangeEncoder } from './encode/schema-change-encoder.js';

const IDLE_SAVE_MS = 60_000;
/** How long a graceful stop keeps trying to write its final checkpoint. */
const FINAL_SAVE_MS = 30_000;
const STORE = 'checkpoint store';
/** How long a graceful stop waits for batches held back by schema registrations. */
const GATE_DRAIN_MS = 10_000;

/** What the pipeline needs of a streaming source; BinlogTailer is one. */
export interface StreamingSource {
  start(signal?: AbortSignal): Promise<void>;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export interface PipelineParts {
  name: string;
  logger: Logger;
  store: CheckpointStore;
  sink: KafkaSink;
  encoder: EnvelopeEncoder;
  router: TopicRouter;
  /** Keeps records over the broker's size limit out of the sink (kafka.oversized). */
  sizeGuard: RecordSizeGuard;
  schemasTopic: string;
  tombstones: boolean;
  checkpointIntervalMs: number;
  /**
   * Exactly-once delivery: the checkpoint travels with the data, as a mark on the batch
   * that ends a source transaction, in the sink's Kafka transactions; the store only loads.
   */
  exactlyOnce?: boolean;
  /** How long the checkpoint store may fail (loads retried, saves skipped) before the pipeline stops. */
  checkpointRetryMaxMs: number;
  /** Reports outages once as they begin and once as they end. */
  outages: OutageLog;
  /** The server's binlog end now: where a first start begins (see begin()). */
  currentPosition(): Promise<Position>;
  /** Builds the streaming source from a position; its batches go to `handlers`. */
  openSource(from: Position, handlers: SourceHandlers, observer?: StreamObserver): StreamingSource;
  /** The snapshot, when the pipeline has one (see SnapshotParts). */
  snapshot?: SnapshotParts;
  /** Checks run before streaming (server settings, ...). */
  preflight?: () => Promise<void>;
  /** Gives back what preflight took (the server_id claim), once the source is closed. */
  release?: () => Promise<void>;
  now?: () => number;
  /** kafka.truncate_handling = "deletes": replaces `t` events by deletes of the live keys. */
  truncateDeletes?: (hooks: TableEndHooks) => TruncateDeletes;
  /** kafka.schema_changes_topic: DDL on published tables, with the tables' definitions after it. */
  schemaChanges?: SchemaChangeParts;
}

export interface SchemaChangeParts {
  topic: string;
  encoder: SchemaChangeEncoder;
  definitions: (hooks: DefinitionHooks) => SchemaChangeDefinitions;
}

/** What the pipeline needs of a snapshot that runs inside the stream (IncrementalSnapshot is one). */
export interface SnapshotSource extends StreamObserver {
  start(tables: readonly string[]): void;
  close(): void;
}

export interface SnapshotParts {
  mode: 'initial' | 'never' | 'when_needed';
  /** Makes sure the control tables exist before streaming starts. */
  prepare(): Promise<void>;
  /** Every table the pipeline publishes, as `db.table`. */
  listTables(): Promise<string[]>;
  open(progress: SnapshotProgress | null, onError: (err: TributaryError) => void): SnapshotSource;
  close(): Promise<void>;
}

export interface SourceHandlers {
  onBatch(batch: SourceBatch): void;
  onError(err: TributaryError): void;
}

/**
 * Wires source -> route -> encode -> sink and owns the checkpoint. Data flows one way;
 * acks flow back through the AckWindow, and only a position whose every earlier message
 * Kafka acked is ever persisted. Any stage's failure stops the whole pipeline cleanly:
 * reading stops, what is in flight is given a chance to land, the last safe position is
 * saved, and run() rejects with the cause.
 */
export class Pipeline {
  private readonly parts: PipelineParts;
  private readonly log: Logger;
  private window = new AckWindow();
  private saved: Position | null = null;
  private savedAt = 0;
  /** Whether messages were acked since the last save (see persist()). */
  private dataAcked = false;
  private persisting: Promise<void> | null = null;
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
  /** Exactly-once: where the stream stands after the newest batch handed on, and when it was last marked. */
  private streamPosition: Position | null = null;
  private streamProgress: SnapshotProgress | null = null;
  private markedAt = 0;
  /** Tables already warned about for having no primary key. */
  private readonly keyless = new Set<string>();
  private readonly truncateDeletes: TruncateDeletes | null;
  private readonly definitions: SchemaChangeDefinitions | null;

  constructor(parts: PipelineParts) {
    this.parts = parts;
    this.log = parts.logger.child('pipeline');
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

  private async execute(signal: AbortSignal): Promise<void> {
    const { store, sink } = this.parts;
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
      const checkpoint = await this.retryStore(() => store.load(), signal);
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
        timer = setInterval(() => void this.persist().catch((err: unknown) => this.saveFailed(err)), this.parts.checkpointIntervalMs);
      }
      if (!signal.aborted) await stopped;
    } catch (err) {
      this.failure ??= asTributaryError(err);
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (timer) clearInterval(timer);
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
    if (this.parts.exactlyOnce) await this.parts.sink.send([], { mark: { position: from, progress: plan } });
    else await this.retryStore(() => this.parts.store.save(first), signal);
    this.saved = from;
    this.savedAt = this.now();
    this.log.info(`starting at the current end of the binlog, ${positionToString(from)} (saved as the first checkpoint)`);
    await this.startStreaming(from, plan, signal);
  }

  /** Opens the stream at `from` and resumes (or starts) the snapshot of the tables `progress` has pending. */
  private async startStreaming(from: Position, progress: SnapshotProgress | null, signal: AbortSignal): Promise<void> {
    this.saved = from;
    this.window = new AckWindow(from, progress);
    this.streamPosition = from;
    this.streamProgress = progress;
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

  /** Retries a checkpoint store call through an outage of at most checkpointRetryMaxMs. */
  private retryStore<T>(op: () => Promise<T>, signal?: AbortSignal, maxMs = this.parts.checkpointRetryMaxMs): Promise<T> {
    return this.parts.outages.retry(STORE, op, { maxMs, ...(signal ? { signal } : {}) });
  }

  /**
   * A timer's save failed. The data keeps flowing (a later save covers it); only an outage
   * longer than checkpointRetryMaxMs, or an error no retry can fix, stops the pipeline.
   */
  private saveFailed(err: unknown): void {
    const e = asTributaryError(err, 'CHECKPOINT_WRITE');
    if (!e.retriable) return this.fail(e);
    const lasted = this.parts.outages.failing(STORE, e, this.parts.checkpointRetryMaxMs);
    if (lasted <= this.parts.checkpointRetryMaxMs) return;
    this.fail(
      new TributaryError(`the checkpoint could not be saved for ${Math.round(lasted / 1000)} s (checkpoint.retry_max_ms): ${e.message}`, {
        code: e.code,
        fix: e.fix ?? 'make the checkpoint store reachable, or raise checkpoint.retry_max_ms',
        cause: e,
      }),
    );
  }

  private now(): number {
    return (this.parts.now ?? Date.now)();
  }

  private handle(batch: SourceBatch): void {
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
    if (schemas.length > 0) {
      const schemaMessages = schemas.map((s) => ({ topic: this.parts.schemasTopic, key: Buffer.from(s.fingerprint), value: Buffer.from(s.schema) }));
      sink.send(schemaMessages, { barrier: true }).catch((err: unknown) => this.fail(asTributaryError(err, 'KAFKA_PRODUCE')));
    }
    this.deliver(messages, batch);
  }

  /**
   * Sends a batch's messages, tracked in the AckWindow with its commit and progress. In
   * registry mode a batch whose schemas are still being registered is held back (and the
   * source paused) until they have ids; later batches queue behind it, in order.
   */
  private deliver(messages: OutboundMessage[], batch: SourceBatch): void {
    const ticket = this.window.track(batch.commit, batch.progress);
    // Snapshot progress counts as data: a chunk whose rows were all left to the stream, or
    // an empty table's, must still reach the checkpoint (and `tributary status`) promptly.
    const hasData = messages.length > 0 || batch.progress !== undefined;
    const mark = this.parts.exactlyOnce ? this.markOf(batch, messages.length) : undefined;
    const registered = this.parts.encoder.registered();
    if (!registered && !this.gate) {
      this.send(messages, mark, ticket, hasData);
      return;
    }
    if (!this.gate) this.source?.pause();
    const gate = (this.gate ?? Promise.resolve())
      .then(() => registered)
      .then(() => {
        if (!this.failure && !this.closing) this.send(messages, mark, ticket, hasData);
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

  private send(messages: OutboundMessage[], mark: CheckpointMark | undefined, ticket: number, hasData: boolean): void {
    const { sink } = this.parts;
    sink.send(messages, mark ? { mark } : {}).then(
      () => {
        this.window.ack(ticket);
        if (hasData) this.dataAcked = true;
      },
      (err: unknown) => this.fail(asTributaryError(err, 'KAFKA_PRODUCE')),
    );
    if (!sink.hasCapacity && !this.backpressure) {
      this.backpressure = true;
      this.source?.pause();
      sink.waitForCapacity().then(
        () => {
          this.backpressure = false;
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

  /**
   * Exactly-once: the checkpoint mark of a batch that ends a source transaction (or carries
   * snapshot progress), so the sink may commit its Kafka transaction right after it. A
   * position moved only by unpublished tables is marked at most every IDLE_SAVE_MS, like
   * the at-least-once saves.
   */
  private markOf(batch: SourceBatch, messages: number): CheckpointMark | undefined {
    if (batch.commit) this.streamPosition = batch.commit;
    if (batch.progress) this.streamProgress = batch.progress;
    if ((!batch.commit && !batch.progress) || !this.streamPosition) return undefined;
    const now = this.now();
    if (messages === 0 && !batch.progress && now - this.markedAt < IDLE_SAVE_MS) return undefined;
    this.markedAt = now;
    return { position: this.streamPosition, progress: this.streamProgress };
  }

  private warnKeyless(event: ChangeEvent): void {
    const id = `${event.source.db}.${event.source.table}`;
    if (this.keyless.has(id)) return;
    this.keyless.add(id);
    this.log.warn(`table ${id} has no primary key: its messages have a null key, so Kafka spreads them over partitions without per-row order and compaction cannot apply`);
  }

  /**
   * Saves the committable position if it moved. A position moved only by transactions of
   * tables this pipeline does not publish is saved at most every IDLE_SAVE_MS: with the
   * mysql store each save is itself such a transaction, and saving it every interval
   * would write forever on an idle server.
   */
  private persist(final = false): Promise<void> {
    // One save at a time, so saves cannot land out of order; a timer tick during a slow
    // save is skipped, the final save waits its turn.
    if (this.persisting && !final) return this.persisting;
    const previous = this.persisting ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.persistNow(final));
    this.persisting = next;
    void next.finally(() => {
      if (this.persisting === next) this.persisting = null;
    }).catch(() => undefined);
    return next;
  }

  private async persistNow(final: boolean): Promise<void> {
    const position = this.window.committed;
    if (!position || position === this.saved) return;
    const now = this.now();
    if (!final && !this.dataAcked && now - this.savedAt < IDLE_SAVE_MS) return;
    const progress = this.window.progress;
    const checkpoint: Checkpoint = { pipeline: this.parts.name, position, updatedAt: new Date(now).toISOString() };
    if (progress) checkpoint.snapshot = progress;
    // Cleared before the save: acks that land while it is written must trigger the next one.
    this.dataAcked = false;
    try {
      await this.parts.store.save(checkpoint);
    } catch (err) {
      this.dataAcked = true;
      throw err;
    }
    this.parts.outages.recovered(STORE);
    this.saved = position;
    this.savedAt = now;
    this.log.debug(`checkpoint at ${positionToString(position)}`);
  }

  private fail(err: TributaryError): void {
    if (this.failure) return;
    this.failure = err;
    this.log.error(`stopping: ${err.message}`, { code: err.code });
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
      if (!this.parts.exactlyOnce) await this.retryStore(() => this.persist(true), undefined, Math.min(FINAL_SAVE_MS, this.parts.checkpointRetryMaxMs));
      const at = this.parts.exactlyOnce ? (sink.committed?.position ?? this.saved) : this.saved;
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
