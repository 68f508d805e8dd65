import { loadConfig } from '../config/load-config.js';
import { createCheckpointStore } from '../checkpoint/create-checkpoint-store.js';
import { positionToString } from '../model/position.js';
import type { SnapshotProgress } from '../model/snapshot-progress.js';
import { formatReport, reportProgress } from '../source/snapshot/progress-report.js';
import { reportError } from './report-error.js';

/** Prints the pipeline's saved position and, per table, its snapshot progress (rows, rate, ETA). */
export async function statusCommand(opts: { config: string }): Promise<number> {
  try {
    const config = await loadConfig(opts.config);
    const store = createCheckpointStore(config);
    try {
      const checkpoint = await store.load();
      if (!checkpoint) {
        process.stdout.write(`pipeline "${config.name}": no checkpoint yet (it has not delivered anything)\n`);
        return 0;
      }
      process.stdout.write(`pipeline "${config.name}": checkpoint at ${positionToString(checkpoint.position)}, saved ${checkpoint.updatedAt}\n`);
      const progress = checkpoint.snapshot as SnapshotProgress | undefined;
      if (progress && Object.keys(progress.tables).length > 0) {
        // Rates are measured up to the checkpoint's time, when these counts were true.
        for (const r of reportProgress(progress, Date.parse(checkpoint.updatedAt))) process.stdout.write(`  snapshot ${formatReport(r)}\n`);
      }
      return 0;
    } finally {
      await store.close();
    }
  } catch (err) {
    return reportError(err);
  }
}
