import type { ChangeEvent, Row } from '../../model/change-event.js';
import type { SnapshotProgress } from '../../model/snapshot-progress.js';

/**
 * Sees the stream as it is assembled, in order: the snapshot uses it to watch the tables
 * whose chunks are in flight, to find its watermarks, and to inject chunk rows at the
 * exact point of the stream where they are current.
 */
export interface StreamObserver {
  /** Whether rows of this table are being watched; asked once per rows event. */
  watches(db: string, table: string): boolean;
  /** A changed row image of a watched table (both images of an update). */
  changed(db: string, table: string, row: Row): void;
  /** A row written to a table of the control schema; `emit` injects a batch right here. */
  control(table: string, row: Row, emit: (events: ChangeEvent[], progress?: SnapshotProgress) => void): void;
  /**
   * At this point of the stream the rows of published tables `ended` all went (TRUNCATE;
   * with `gone`, DROP or RENAME away), and published tables `appeared` under a new name
   * (RENAME), to be snapshotted. Returns the snapshot progress to checkpoint with this
   * point when it changed.
   */
  tablesChanged(ended: readonly string[], gone: boolean, appeared: readonly string[]): SnapshotProgress | undefined;
  /**
   * The stream starts after the GTIDs `executed`; `inject` adds a batch at the stream's
   * current point from outside its events (a GTID watermark met while the server is idle).
   */
  attach?(executed: string | null, inject: StreamInject): void;
  /** A transaction starts, before any of its events. */
  began?(gtid: string | null): void;
  /** A transaction's last event was handed on (commit or DDL); `emit` adds a batch right after it. */
  committed?(gtid: string | null, emit: StreamInject): void;
}

/** Adds a batch of injected events (and snapshot progress) to the stream where it stands. */
export type StreamInject = (events: ChangeEvent[], progress?: SnapshotProgress) => void;
