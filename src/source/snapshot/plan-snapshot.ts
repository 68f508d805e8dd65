import type { SnapshotProgress } from '../../model/snapshot-progress.js';

/**
 * The progress of a snapshot that has not begun: every table pending from its first key.
 * It goes into the first checkpoint, so a crash before any chunk is delivered still
 * remembers which tables remain.
 */
export function planSnapshot(tables: readonly string[], now: number): SnapshotProgress {
  const startedAt = new Date(now).toISOString();
  const entries = tables.map((id) => [id, { cursor: null, rows: 0, total: null, startedAt, done: false }] as const);
  return { tables: Object.fromEntries(entries) };
}
