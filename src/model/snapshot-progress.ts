/**
 * How far the snapshot of each table has come, saved in the checkpoint with the binlog
 * position it belongs to. Treated as immutable: every change makes a new object, so a
 * batch can carry the progress that holds once it is acked.
 */
export interface TableProgress {
  /** The key of the last row of the last delivered chunk (opaque, JSON-safe); null before the first. */
  cursor: readonly unknown[] | null;
  /** Rows published so far. */
  rows: number;
  /** Estimated rows in the table when its snapshot began. */
  total: number | null;
  startedAt: string;
  done: boolean;
  /**
   * Requested while streaming (`tributary snapshot --tables`, or a RENAME TABLE onto an
   * included name) rather than planned at the start: its reads are marked `incremental`.
   * Absent in checkpoints written before it existed, which means planned.
   */
  incremental?: boolean;
}

export interface SnapshotProgress {
  /** Keyed by `db.table`. */
  tables: Readonly<Record<string, TableProgress>>;
  /**
   * The signal topic's offset after the last request acted on (`snapshot.signal_topic`),
   * as a string (Kafka offsets are 64-bit); absent before the first.
   */
  signalOffset?: string;
}

export function snapshotPending(p: SnapshotProgress | null | undefined): string[] {
  if (!p) return [];
  return Object.entries(p.tables)
    .filter(([, t]) => !t.done)
    .map(([id]) => id);
}
