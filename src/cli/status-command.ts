import { loadConfig } from '../config/load-config.js';
import { createCheckpointStore } from '../checkpoint/create-checkpoint-store.js';
import { formatStatus, pipelineStatus } from '../observe/pipeline-status.js';
import { reportError } from './report-error.js';

/**
 * Prints the pipeline's saved position and, per table, its snapshot progress (rows, rate,
 * ETA), from the checkpoint store. A running pipeline's `/status` ([http]) is built by the
 * same pipelineStatus(), with its live counts and lag added.
 */
export async function statusCommand(opts: { config: string }): Promise<number> {
  try {
    const config = await loadConfig(opts.config);
    const store = createCheckpointStore(config);
    try {
      const checkpoint = await store.load();
      for (const line of formatStatus(pipelineStatus({ pipeline: config.name, checkpoint, now: Date.now() }))) process.stdout.write(`${line}\n`);
      return 0;
    } finally {
      await store.close();
    }
  } catch (err) {
    return reportError(err);
  }
}
