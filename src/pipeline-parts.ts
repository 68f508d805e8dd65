import type { SourceBatch } from './model/change-event.js';
import type { Position } from './model/position.js';
import type { Logger } from './logger.js';
import type { TopicRouter } from './route/topic-router.js';
import type { EnvelopeEncoder } from './encode/envelope-encoder.js';
import type { KafkaSink } from './sink/kafka-sink.js';
import type { RecordSizeGuard } from './sink/record-size-guard.js';
import type { CheckpointStore } from './checkpoint/checkpoint.js';
import type { TributaryError } from './errors/tributary-error.js';
import type { StreamObserver } from './source/binlog/transaction-assembler.js';
import type { SnapshotProgress } from './model/snapshot-progress.js';
import type { OutageLog } from './observe/outage-log.js';
import type { TableEndHooks, TruncateDeletes } from './truncate-deletes.js';
import type { DefinitionHooks, SchemaChangeDefinitions } from './schema-change-definitions.js';
import type { SchemaChangeEncoder } from './encode/schema-change-encoder.js';
import type { HeartbeatEncoder } from './encode/heartbeat-encoder.js';
import type { PipelineMetrics } from './observe/pipeline-metrics.js';

// The stages a Pipeline is wired from (build-pipeline.ts builds them from a config).

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
  /** Where stages report what they did (the sink is given it by build-pipeline.ts); one of its own when absent. */
  metrics?: PipelineMetrics;
  /** heartbeat.interval_ms: heartbeat messages, and optionally a write to the source, each interval. */
  heartbeat?: HeartbeatParts;
}

export interface HeartbeatParts {
  intervalMs: number;
  topic: string;
  encoder: HeartbeatEncoder;
  /** heartbeat.action_query on the source. */
  action?: () => Promise<void>;
  /** How long the action may fail before the pipeline stops. */
  retryMaxMs: number;
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
