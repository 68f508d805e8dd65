import type { StreamEmit } from './gtid-windows.js';

/**
 * Where a snapshot's chunk watermarks come from. The window logic (SnapshotWindow) is the
 * same for every source; only how the stream finds a chunk's two points differs:
 * - ControlTables (`snapshot.watermarks = "table"`): rows written to
 *   `_tributary.watermarks`, which the stream meets in the binlog as control rows.
 * - GtidWatermarks (`"gtid"`): the server's executed GTID set read before and after the
 *   chunk's SELECT, compared with the GTIDs the stream hands on (`stream`); nothing is
 *   written, so it works on a read replica or a server with super_read_only.
 */
export interface WatermarkSource {
  /**
   * Sets the chunk's low watermark (before its SELECT) or high watermark (after it).
   * Safe to repeat: a step retried through an outage sets the same watermark again.
   */
  mark(pipeline: string, slot: number, chunk: string, kind: 'low' | 'high'): Promise<void>;
  /** What the stream tells the watermarks, when they are not rows in the binlog. */
  stream?: StreamWatermarks;
}

/** The stream's side of watermarks that are not in the binlog (GtidWindows). */
export interface StreamWatermarks {
  /** The stream starts after `executed`; `inject` adds a batch between its events. */
  attach(executed: string | null, inject: StreamEmit): void;
  /** A transaction starts, before its events. */
  began(gtid: string | null): void;
  /** A transaction's last event was handed on; `emit` adds a batch right after it. */
  committed(gtid: string | null, emit: StreamEmit): void;
  /** A chunk given up (its table is gone). */
  forget(chunk: string): void;
}
