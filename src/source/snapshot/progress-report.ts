import type { SnapshotProgress } from '../../model/snapshot-progress.js';

export interface TableReport {
  table: string;
  rows: number;
  total: number | null;
  done: boolean;
  /** Rows per second since the table's snapshot began. */
  rate: number;
  /** Seconds left at that rate; null when unknown. */
  etaSeconds: number | null;
}

/** Per-table rows, rate and ETA, for the periodic log line and `tributary status`. */
export function reportProgress(progress: SnapshotProgress, now: number): TableReport[] {
  return Object.entries(progress.tables).map(([table, t]) => {
    const seconds = Math.max(0.001, (now - Date.parse(t.startedAt)) / 1000);
    const rate = t.rows / seconds;
    const left = t.total === null ? null : Math.max(0, t.total - t.rows);
    return {
      table,
      rows: t.rows,
      total: t.total,
      done: t.done,
      rate,
      etaSeconds: t.done ? 0 : left === null || rate === 0 ? null : left / rate,
    };
  });
}

export function formatReport(r: TableReport): string {
  if (r.done) return `${r.table}: done, ${r.rows} rows`;
  const total = r.total === null ? '?' : `~${r.total}`;
  const eta = r.etaSeconds === null ? '?' : `${Math.ceil(r.etaSeconds)} s`;
  return `${r.table}: ${r.rows} of ${total} rows, ${Math.round(r.rate)} rows/s, ETA ${eta}`;
}
