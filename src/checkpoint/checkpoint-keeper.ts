import type { SnapshotProgress } from '../model/snapshot-progress.js';
import type { Position } from '../model/position.js';
import { positionToString } from '../model/position.js';
import type { Logger } from '../logger.js';
import type { OutageLog } from '../observe/outage-log.js';
import { TributaryError, asTributaryError } from '../errors/tributary-error.js';
import type { AckWindow } from './ack-window.js';
import type { Checkpoint, CheckpointStore } from './checkpoint.js';

/** A position moved only by unpublished tables is saved at most this often. */
export const IDLE_SAVE_MS = 60_000;
/** How long a graceful stop keeps trying to write its final checkpoint. */
const FINAL_SAVE_MS = 30_000;
const STORE = 'checkpoint store';

export interface CheckpointKeeperOptions {
  pipeline: string;
  store: CheckpointStore;
  outages: OutageLog;
  /** How long the store may fail (loads retried, saves skipped) before the pipeline stops. */
  retryMaxMs: number;
  logger: Logger;
  now: () => number;
}

/**
 * At-least-once checkpointing: saves the AckWindow's committed position (and snapshot
 * progress) to the store, one save at a time so saves never land out of order, and rides
 * out store outages: loads are retried, failed saves skipped while data keeps flowing (the
 * next save covers everything acked), for at most retryMaxMs.
 *
 * A position moved only by transactions of tables the pipeline does not publish is saved
 * at most every IDLE_SAVE_MS: with the mysql store each save is itself such a transaction,
 * and saving it every interval would write forever on an idle server.
 */
export class CheckpointKeeper {
  private readonly options: CheckpointKeeperOptions;
  private savedPosition: Position | null = null;
  /** The snapshot progress saved with it: progress alone can move (a GTID-watermark chunk on an idle server). */
  private savedProgress: SnapshotProgress | null = null;
  private savedAt = 0;
  private lastCheckpoint: Checkpoint | null = null;
  /** Whether messages were acked since the last save. */
  private dataAcked = false;
  private persisting: Promise<void> | null = null;

  constructor(options: CheckpointKeeperOptions) {
    this.options = options;
  }

  /** The position of the newest saved (or loaded) checkpoint. */
  get saved(): Position | null {
    return this.savedPosition;
  }

  /** The newest checkpoint saved, loaded, or (exactly-once) committed with the data; for status and metrics. */
  get last(): Checkpoint | null {
    return this.lastCheckpoint;
  }

  /** Exactly-once: a Kafka transaction committed this checkpoint with the data. */
  committed(cp: Checkpoint): void {
    this.lastCheckpoint = cp;
  }

  /** The stream (re)starts at a position the store already holds. */
  startedAt(position: Position, progress: SnapshotProgress | null = null): void {
    this.savedPosition = position;
    this.savedProgress = progress;
  }

  async load(signal?: AbortSignal): Promise<Checkpoint | null> {
    const cp = await this.retry(() => this.options.store.load(), signal);
    this.lastCheckpoint = cp;
    return cp;
  }

  /** Saves a checkpoint now, through an outage (the first start's). */
  async saveNow(cp: Checkpoint, signal?: AbortSignal): Promise<void> {
    await this.retry(() => this.options.store.save(cp), signal);
    this.lastCheckpoint = cp;
    this.savedPosition = cp.position;
    this.savedAt = this.options.now();
  }

  /** Messages of a batch were acked; `hasData` when any were published (or progress moved). */
  acked(hasData: boolean): void {
    if (hasData) this.dataAcked = true;
  }

  /** A timer's save: returns the error that must stop the pipeline, or null (saved, or skipped through an outage). */
  async tick(window: AckWindow): Promise<TributaryError | null> {
    try {
      await this.persist(window, false);
      return null;
    } catch (err) {
      return this.saveFailed(err);
    }
  }

  /** The graceful stop's save, retried for a short while. */
  async final(window: AckWindow): Promise<void> {
    await this.retry(() => this.persist(window, true), undefined, Math.min(FINAL_SAVE_MS, this.options.retryMaxMs));
  }

  private retry<T>(op: () => Promise<T>, signal?: AbortSignal, maxMs = this.options.retryMaxMs): Promise<T> {
    return this.options.outages.retry(STORE, op, { maxMs, ...(signal ? { signal } : {}) });
  }

  private saveFailed(err: unknown): TributaryError | null {
    const e = asTributaryError(err, 'CHECKPOINT_WRITE');
    if (!e.retriable) return e;
    const { outages, retryMaxMs } = this.options;
    const lasted = outages.failing(STORE, e, retryMaxMs);
    if (lasted <= retryMaxMs) return null;
    return new TributaryError(`the checkpoint could not be saved for ${Math.round(lasted / 1000)} s (checkpoint.retry_max_ms): ${e.message}`, {
      code: e.code,
      fix: e.fix ?? 'make the checkpoint store reachable, or raise checkpoint.retry_max_ms',
      cause: e,
    });
  }

  private persist(window: AckWindow, final: boolean): Promise<void> {
    // A timer tick during a slow save is skipped; the final save waits its turn.
    if (this.persisting && !final) return this.persisting;
    const previous = this.persisting ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.persistNow(window, final));
    this.persisting = next;
    void next
      .finally(() => {
        if (this.persisting === next) this.persisting = null;
      })
      .catch(() => undefined);
    return next;
  }

  private async persistNow(window: AckWindow, final: boolean): Promise<void> {
    const position = window.committed;
    const progress = window.progress;
    if (!position || (position === this.savedPosition && progress === this.savedProgress)) return;
    const now = this.options.now();
    if (!final && !this.dataAcked && now - this.savedAt < IDLE_SAVE_MS) return;
    const checkpoint: Checkpoint = { pipeline: this.options.pipeline, position, updatedAt: new Date(now).toISOString() };
    if (progress) checkpoint.snapshot = progress;
    // Cleared before the save: acks that land while it is written must trigger the next one.
    this.dataAcked = false;
    try {
      await this.options.store.save(checkpoint);
    } catch (err) {
      this.dataAcked = true;
      throw err;
    }
    this.options.outages.recovered(STORE);
    this.lastCheckpoint = checkpoint;
    this.savedPosition = position;
    this.savedProgress = progress;
    this.savedAt = now;
    this.options.logger.debug(`checkpoint at ${positionToString(position)}`);
  }
}
