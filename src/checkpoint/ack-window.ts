import type { Position } from '../model/position.js';
import type { SnapshotProgress } from '../model/snapshot-progress.js';

interface Entry {
  ticket: number;
  position: Position | null;
  progress: SnapshotProgress | undefined;
  acked: boolean;
}

/**
 * The sliding window between delivery and checkpoint: batches are tracked in source
 * order, acked in any order, and the committable position is the newest commit whose
 * batch, and every batch before it, has been acked. Snapshot progress moves the same
 * way. Nothing past a gap is ever committed.
 */
export class AckWindow {
  private readonly entries: Entry[] = [];
  private nextTicket = 0;
  private head = 0;
  private committedPosition: Position | null;
  private committedProgress: SnapshotProgress | null;
  private progressTracked = false;

  constructor(start: Position | null = null, progress: SnapshotProgress | null = null) {
    this.committedPosition = start;
    this.committedProgress = progress;
  }

  /**
   * Sets the progress that holds before any batch carries one (a snapshot's plan). No-op
   * once a batch has carried progress, so it can never move committed progress back.
   */
  seedProgress(progress: SnapshotProgress): void {
    if (this.progressTracked) return;
    this.committedProgress = progress;
  }

  /** Registers the next batch; `position` is its commit, or null mid-transaction. */
  track(position: Position | null, progress?: SnapshotProgress): number {
    const ticket = this.nextTicket++;
    if (progress) this.progressTracked = true;
    this.entries.push({ ticket, position, progress, acked: false });
    return ticket;
  }

  ack(ticket: number): void {
    const entry = this.entries[ticket - this.head];
    if (!entry || entry.ticket !== ticket) return;
    entry.acked = true;
    let advanced = 0;
    while (advanced < this.entries.length && this.entries[advanced]!.acked) {
      const e = this.entries[advanced]!;
      if (e.position) this.committedPosition = e.position;
      if (e.progress) this.committedProgress = e.progress;
      advanced++;
    }
    if (advanced > 0) {
      this.entries.splice(0, advanced);
      this.head += advanced;
    }
  }

  /** The newest position safe to persist. */
  get committed(): Position | null {
    return this.committedPosition;
  }

  /** The snapshot progress that goes with it. */
  get progress(): SnapshotProgress | null {
    return this.committedProgress;
  }

  /** Batches handed out and not yet acked. */
  get outstanding(): number {
    return this.entries.length;
  }
}
