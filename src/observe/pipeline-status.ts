import type { Checkpoint } from '../checkpoint/checkpoint.js';
import { positionToString, type Position } from '../model/position.js';
import type { SnapshotProgress } from '../model/snapshot-progress.js';
import { formatReport, reportProgress, type TableReport } from '../source/snapshot/progress-report.js';
import type { TableChanges } from './pipeline-metrics.js';

/** What `tributary status` prints and `/status` answers; built by pipelineStatus() for both. */
export interface PipelineStatus {
  pipeline: string;
  /** The running pipeline's state (see /readyz); absent when read from the store alone. */
  state?: string;
  checkpoint: {
    position: Position;
    /** positionToString of it, as the logs say it. */
    text: string;
    savedAt: string;
    ageSeconds: number;
  } | null;
  /** Seconds behind the source (running pipeline only; null before its first event). */
  lagSeconds?: number | null;
  /** Changes handed to Kafka since the start, per `db.table` and op (running pipeline only). */
  tables?: Record<string, { c: number; u: number; d: number; r: number; t: number }>;
  /** Per table, the snapshot's rows, total, rate and ETA (the checkpoint's, or the acked one of a running pipeline). */
  snapshot: TableReport[];
}

export interface StatusInput {
  pipeline: string;
  checkpoint: Checkpoint | null;
  now: number;
  /** A running pipeline's own view; without it, the stored checkpoint is all there is. */
  live?: {
    state: string;
    lagSeconds: number | null;
    tables: readonly TableChanges[];
    /** Snapshot progress covered by acked data, newer than the saved checkpoint's. */
    progress: SnapshotProgress | null;
  };
}

/** One pipeline's status, from its checkpoint and, when it runs, its live counts. */
export function pipelineStatus(input: StatusInput): PipelineStatus {
  const cp = input.checkpoint;
  const status: PipelineStatus = {
    pipeline: input.pipeline,
    checkpoint: cp
      ? {
          position: cp.position,
          text: positionToString(cp.position),
          savedAt: cp.updatedAt,
          ageSeconds: Math.max(0, input.now - Date.parse(cp.updatedAt)) / 1000,
        }
      : null,
    snapshot: [],
  };
  const live = input.live;
  const progress = live ? (live.progress ?? (cp?.snapshot as SnapshotProgress | undefined) ?? null) : ((cp?.snapshot as SnapshotProgress | undefined) ?? null);
  if (progress) {
    // From the store alone, rates are measured up to the checkpoint's time, when its counts were true.
    const at = live || !cp ? input.now : Date.parse(cp.updatedAt);
    status.snapshot = reportProgress(progress, at);
  }
  if (live) {
    status.state = live.state;
    status.lagSeconds = live.lagSeconds;
    status.tables = {};
    for (const t of live.tables) status.tables[`${t.db}.${t.table}`] = { c: t.c, u: t.u, d: t.d, r: t.r, t: t.t };
  }
  return status;
}

/** The lines `tributary status` prints. */
export function formatStatus(status: PipelineStatus): string[] {
  if (!status.checkpoint) return [`pipeline "${status.pipeline}": no checkpoint yet (it has not delivered anything)`];
  const lines = [`pipeline "${status.pipeline}": checkpoint at ${status.checkpoint.text}, saved ${status.checkpoint.savedAt}`];
  for (const r of status.snapshot) lines.push(`  snapshot ${formatReport(r)}`);
  return lines;
}
