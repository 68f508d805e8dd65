import type { Position } from '../model/position.js';

/**
 * The sliding window between delivery and checkpoint: batches are tracked in source
 * order, acked in any order, and the committable position is the newest commit whose
 * batch, and every batch before it, has been acked. Nothing past a gap is ever committed.
 */
export class AckWindow {
  private readonly entries: { ticket: number; position: Position | null; acked: boolean }[] = [];
  private nextTicket = 0;
  private head = 0;
  private committedPosition: Position | null;

  constructor(start: Position | null = null) {
    this.committedPosition = start;
  }

  /** Registers the next batch; `position` is its commit, or null mid-transaction. */
  track(position: Position | null): number {
    const ticket = this.nextTicket++;
    this.entries.push({ ticket, position, acked: false });
    return ticket;
  }

  ack(ticket: number): void {
    const entry = this.entries[ticket - this.head];
    if (!entry || entry.ticket !== ticket) return;
    entry.acked = true;
    let advanced = 0;
    while (advanced < this.entries.length && this.entries[advanced]!.acked) {
      const p = this.entries[advanced]!.position;
      if (p) this.committedPosition = p;
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

  /** Batches handed out and not yet acked. */
  get outstanding(): number {
    return this.entries.length;
  }
}
