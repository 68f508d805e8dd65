import type { SourceBatch } from './model/change-event.js';

/** The step a StreamHold runs, and the pipeline around it. */
export interface StreamHoldSteps {
  /** Whether a batch needs the asynchronous step. */
  wants(batch: SourceBatch): boolean;
  /** The step; it passes the batch on itself before it resolves. */
  handle(batch: SourceBatch): Promise<void>;
  /** Passes on, in order, a batch that needs no step. */
  forward(batch: SourceBatch): void;
  /** Stops reading the binlog; batches already parsed still arrive. */
  pause(): void;
  resume(): void;
  fail(err: unknown): void;
}

/**
 * Holds the stream while an asynchronous step runs for one batch (a DDL's table
 * definitions, a truncate's deletes): the binlog is paused, batches that still arrive wait
 * here and are passed on in order after it, each needing the step getting its turn. Any
 * other batch passes straight through without awaiting.
 */
export class StreamHold {
  private readonly steps: StreamHoldSteps;
  private readonly waiting: SourceBatch[] = [];
  private running = false;

  constructor(steps: StreamHoldSteps) {
    this.steps = steps;
  }

  /** Whether a step runs (the binlog stays paused meanwhile). */
  get busy(): boolean {
    return this.running;
  }

  /** Takes a batch that needs the step, and every batch while one runs; false leaves it to the caller. */
  takes(batch: SourceBatch): boolean {
    if (this.running) {
      this.waiting.push(batch);
      return true;
    }
    if (!this.steps.wants(batch)) return false;
    this.running = true;
    this.steps.pause();
    void this.run(batch);
    return true;
  }

  private async run(first: SourceBatch): Promise<void> {
    const { steps, waiting } = this;
    try {
      let batch: SourceBatch | undefined = first;
      while (batch) {
        await steps.handle(batch);
        batch = undefined;
        while (waiting.length > 0) {
          const next = waiting.shift()!;
          if (steps.wants(next)) {
            batch = next;
            break;
          }
          steps.forward(next);
        }
      }
      this.running = false;
      steps.resume();
    } catch (err) {
      steps.fail(err);
    }
  }
}
