import type { ChangeEvent } from '../../model/change-event.js';
import type { SnapshotProgress } from '../../model/snapshot-progress.js';
import { ExecutedGtids } from './executed-gtids.js';
import type { StreamWatermarks } from './watermark-source.js';

/** Hands a batch to the stream at its current point. */
export type StreamEmit = (events: ChangeEvent[], progress?: SnapshotProgress) => void;

/** The chunk windows the GTID watermarks open and close (SnapshotWindow). */
export interface ChunkWindows {
  open(chunk: string): void;
  close(chunk: string, emit: (events: ChangeEvent[], progress: SnapshotProgress | undefined) => void): void;
}

interface Marks {
  /** Set once the window waits for the stream's first transaction outside it. */
  low: ExecutedGtids | null;
  open: boolean;
  high: ExecutedGtids | null;
}

/**
 * Watermarks from the server's executed GTID set instead of rows written to it, so a
 * snapshot writes nothing to the source. For each chunk:
 *
 * - Low: the executed set L is read before the chunk's SELECT. If the stream has handed on
 *   nothing outside L (its usual state: at or behind the server), the window opens at
 *   the stream's first transaction outside L; everything before it is in L, so the SELECT
 *   sees it. If the stream is ahead of L (it has already read a transaction from the
 *   binlog that was not yet in the set when L was read), the window opens right here, and
 *   L is read again until it covers the stream's point, so the SELECT still sees all
 *   that was handed on before the window opened.
 * - High: the executed set H is read after the SELECT; the window closes, and the chunk's
 *   remaining rows go out, once the stream has handed on every transaction of H. That is
 *   checked at every commit the stream passes and at once when H arrives, so an idle
 *   server (no transaction after H) closes the window without any write.
 *
 * Keys changed inside the window are dropped from the chunk exactly as with table
 * watermarks; only where the window starts and ends comes from GTIDs.
 */
export class GtidWindows implements StreamWatermarks {
  private readonly windows: ChunkWindows;
  private readonly marks = new Map<string, Marks>();
  /** Every transaction the stream has handed on: its start position plus each commit since. */
  private stream = new ExecutedGtids();
  /** The transaction whose events the stream is handing on, if it is inside one. */
  private inFlight: string | null = null;
  private inject: StreamEmit | null = null;

  constructor(windows: ChunkWindows) {
    this.windows = windows;
  }

  /** The stream starts after `executed` (its start position's GTIDs); `inject` adds a batch between its events. */
  attach(executed: string | null, inject: StreamEmit): void {
    this.stream = ExecutedGtids.parse(executed);
    this.inFlight = null;
    this.inject = inject;
  }

  /**
   * The low watermark, `executed` read before the chunk's SELECT. Returns null when the
   * SELECT may run, else the GTIDs a newer read of the executed set must cover first.
   */
  low(chunk: string, executed: string): ExecutedGtids | null {
    const low = ExecutedGtids.parse(executed);
    const point = this.point();
    // Set again (a retried step): a window already open stays open, with what it noted.
    const open = this.marks.get(chunk)?.open === true;
    if (low.covers(point)) {
      this.marks.set(chunk, { low, open, high: null });
      return null;
    }
    this.marks.set(chunk, { low: null, open: true, high: null });
    this.windows.open(chunk);
    return point;
  }

  /** The high watermark, `executed` read after the chunk's SELECT (its rows are filled). */
  high(chunk: string, executed: string): void {
    const marks = this.marks.get(chunk);
    if (!marks) return;
    marks.high = ExecutedGtids.parse(executed);
    if (this.inject && this.stream.covers(marks.high)) this.finish(chunk, marks, this.inject);
  }

  /** A chunk given up (its table is gone, the snapshot stops). */
  forget(chunk: string): void {
    this.marks.delete(chunk);
  }

  // --- the stream, in order ---

  /** A transaction starts; before any of its events. */
  began(gtid: string | null): void {
    this.inFlight = gtid;
    if (this.marks.size === 0) return;
    for (const [chunk, marks] of this.marks) {
      if (marks.open || !marks.low) continue;
      // Without a GTID there is nothing to compare: the window opens, which only costs rows.
      if (gtid !== null && marks.low.contains(gtid)) continue;
      marks.open = true;
      this.windows.open(chunk);
    }
  }

  /** A transaction's last event was handed on (its commit, or a DDL statement). */
  committed(gtid: string | null, emit: StreamEmit): void {
    this.inFlight = null;
    if (gtid !== null) this.stream.add(gtid);
    if (this.marks.size === 0) return;
    for (const [chunk, marks] of this.marks) {
      if (marks.high && this.stream.covers(marks.high)) this.finish(chunk, marks, emit);
    }
  }

  /** What the stream has handed on so far, the transaction in progress included. */
  private point(): ExecutedGtids {
    if (this.inFlight === null) return this.stream;
    const point = ExecutedGtids.parse(null);
    point.addAll(this.stream);
    point.add(this.inFlight);
    return point;
  }

  private finish(chunk: string, marks: Marks, emit: StreamEmit): void {
    this.marks.delete(chunk);
    // No transaction outside L came before the stream passed H: an empty window.
    if (!marks.open) this.windows.open(chunk);
    this.windows.close(chunk, (events, progress) => emit(events, progress));
  }
}
