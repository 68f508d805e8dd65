import type { Position } from './position.js';
import type { SnapshotProgress } from './snapshot-progress.js';
import type { TableSchema } from './table-schema.js';
import type { SchemaChange } from './schema-change.js';

/**
 * `c` insert, `u` update, `d` delete, `r` snapshot read, `t` the table's rows are all gone
 * (TRUNCATE; also DROP TABLE and RENAME TABLE away, told apart by `source.query`).
 */
export type Op = 'c' | 'u' | 'd' | 'r' | 't';

/**
 * A row image keyed by column name. Values are already in their Avro physical form:
 * int/float/double as number, long as bigint, boolean, string, bytes as Buffer
 * (decimals as big-endian two's-complement unscaled values), date as days (number),
 * timestamp-micros and TIME microseconds as bigint, null for SQL NULL.
 */
export type Row = Record<string, unknown>;

/**
 * Debezium's `source.snapshot` values. A planned snapshot marks its very first read
 * `first`, its very last `last`, each other table's first and last read
 * `first_in_data_collection` / `last_in_data_collection`, the rest `true`; reads of a
 * snapshot requested while streaming are all `incremental`; binlog changes are `false`.
 */
export type SnapshotMarker =
  | 'true'
  | 'first'
  | 'first_in_data_collection'
  | 'last_in_data_collection'
  | 'last'
  | 'false'
  | 'incremental';

/** The `source` block of the envelope: where this one change came from. */
export interface SourceInfo {
  /** Commit time in epoch milliseconds; `ts_us`/`ts_ns` are derived from it when encoding. */
  ts_ms: number;
  snapshot: SnapshotMarker;
  db: string;
  table: string;
  server_id: number;
  gtid: string | null;
  file: string;
  pos: number;
  /** Index of the row within its binlog rows event. */
  row: number;
  thread: number | null;
  query: string | null;
}

export interface TransactionInfo {
  id: string;
  /** 1-based order of the event among all events of its transaction. */
  total_order: number;
  /** 1-based order of the event among the events of its table in the transaction. */
  data_collection_order: number;
}

export interface ChangeEvent {
  op: Op;
  /** The table's schema version that this change was written under. */
  schema: TableSchema;
  before: Row | null;
  after: Row | null;
  source: SourceInfo;
  transaction: TransactionInfo | null;
}

/**
 * What a source hands to the pipeline: changes in commit order. A large transaction
 * arrives as several batches; only the last one carries `commit`, the position after
 * the transaction, which the checkpoint may move to once every event up to it is acked.
 */
export interface SourceBatch {
  events: ChangeEvent[];
  commit: Position | null;
  /** Snapshot progress that holds once this batch is acked (set by snapshot chunks). */
  progress?: SnapshotProgress;
  /** DDL statements on published tables at this point (a DDL batch); see SchemaChange. */
  schemaChanges?: SchemaChange[];
  /**
   * The binlog header timestamp (epoch ms, whole seconds) of the newest event read for this
   * batch: when the source wrote it, for the replication lag. Absent on batches a source did
   * not read from the binlog.
   */
  sourceTs?: number;
}
