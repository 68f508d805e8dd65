import type { Position } from '../model/position.js';

/** What a restart of pipeline `pipeline` continues from. */
export interface Checkpoint {
  pipeline: string;
  /** Position just after the newest transaction all of whose messages (and all before it) are acked. */
  position: Position;
  /** Snapshot progress per table while a snapshot runs; stored as JSON, opaque to the stores. */
  snapshot?: unknown;
  /** When the checkpoint was taken, ISO 8601. */
  updatedAt: string;
}

/**
 * Durable storage of one pipeline's checkpoint. `save` and `clear` resolve only once the
 * change would survive a crash. `close` is idempotent; `save` or `clear` after `close` throws.
 */
export interface CheckpointStore {
  load(): Promise<Checkpoint | null>;
  save(cp: Checkpoint): Promise<void>;
  /** Deletes the pipeline's checkpoint, so the next `load` returns null; none there is fine. */
  clear(): Promise<void>;
  close(): Promise<void>;
}
