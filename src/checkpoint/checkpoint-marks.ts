import type { SourceBatch } from '../model/change-event.js';
import type { Position } from '../model/position.js';
import type { SnapshotProgress } from '../model/snapshot-progress.js';
import type { CheckpointMark } from '../sink/kafka-sink.js';
import type { Checkpoint } from './checkpoint.js';
import { IDLE_SAVE_MS } from './checkpoint-keeper.js';

/**
 * Exactly-once: the checkpoint marks batches carry to the sink, so it may commit its Kafka
 * transaction right after them. It follows where the stream stands after each batch handed
 * on; a batch that ends a source transaction (or carries snapshot progress) gets a mark. A
 * position moved only by unpublished tables is marked at most every IDLE_SAVE_MS, like the
 * at-least-once saves.
 */
export class CheckpointMarks {
  private readonly pipeline: string;
  private readonly now: () => number;
  private position: Position | null = null;
  private progress: SnapshotProgress | null = null;
  private markedAt = 0;

  constructor(pipeline: string, now: () => number) {
    this.pipeline = pipeline;
    this.now = now;
  }

  /** The stream (re)opens here. */
  startedAt(position: Position, progress: SnapshotProgress | null): void {
    this.position = position;
    this.progress = progress;
  }

  /** The mark of a batch of `messages` messages, or undefined when it gets none. */
  markOf(batch: SourceBatch, messages: number): CheckpointMark | undefined {
    if (batch.commit) this.position = batch.commit;
    if (batch.progress) this.progress = batch.progress;
    if ((!batch.commit && !batch.progress) || !this.position) return undefined;
    const now = this.now();
    if (messages === 0 && !batch.progress && now - this.markedAt < IDLE_SAVE_MS) return undefined;
    this.markedAt = now;
    return { position: this.position, progress: this.progress };
  }

  /** The checkpoint a committed mark stands for. */
  checkpointOf(mark: CheckpointMark): Checkpoint {
    const cp: Checkpoint = { pipeline: this.pipeline, position: mark.position, updatedAt: new Date(this.now()).toISOString() };
    if (mark.progress) cp.snapshot = mark.progress;
    return cp;
  }
}
