import { resolve } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import type { PipelineConfig } from '../config/pipeline-config.js';
import { createCheckpointStore } from '../checkpoint/create-checkpoint-store.js';
import { DamagedCheckpointError } from '../checkpoint/damaged-checkpoint-error.js';
import { positionToString } from '../model/position.js';
import { reportError } from './report-error.js';

/**
 * Deletes the pipeline's checkpoint so the next start begins afresh. Refuses without
 * `--yes` rather than prompting, since CI and scripts run it with no terminal. It cannot
 * tell whether the pipeline is running; a running one would write a new checkpoint at its
 * next save, so the help text and README say to stop it first.
 */
export async function resetCommand(opts: { config: string; yes?: boolean }): Promise<number> {
  try {
    const config = await loadConfig(opts.config);
    const store = createCheckpointStore(config);
    try {
      const out = (line: string) => process.stdout.write(`${line}\n`);
      let current: string;
      try {
        const checkpoint = await store.load();
        if (!checkpoint) {
          out(`pipeline "${config.name}": no checkpoint in ${describeStore(config)}; nothing to delete`);
          return 0;
        }
        current = `checkpoint at ${positionToString(checkpoint.position)}, saved ${checkpoint.updatedAt}`;
      } catch (err) {
        // A damaged checkpoint is one of the things reset is for; anything else (an
        // unreachable store, another pipeline's file) must stop it.
        if (!(err instanceof DamagedCheckpointError)) throw err;
        current = `checkpoint unreadable: ${err.message}`;
      }
      out(`pipeline "${config.name}": the checkpoint is in ${describeStore(config)}`);
      out(`  ${current}`);
      if (!opts.yes) {
        process.stderr.write(
          `tributary: nothing deleted: stop the pipeline, then re-run with --yes to delete it: tributary reset --config ${opts.config} --yes\n`,
        );
        return 1;
      }
      await store.clear();
      out(`deleted; the next start ${nextStart(config)}`);
      return 0;
    } finally {
      await store.close();
    }
  } catch (err) {
    return reportError(err);
  }
}

function describeStore(config: PipelineConfig): string {
  const { checkpoint } = config;
  switch (checkpoint.store) {
    case 'file':
      return `file ${resolve(checkpoint.path)}`;
    case 'mysql':
      return `\`_tributary\`.\`checkpoints\` on ${config.source.host}:${config.source.port} (row "${config.name}")`;
    case 'kafka':
      return `Kafka topic ${checkpoint.topic} (key "${config.name}")`;
  }
}

function nextStart(config: PipelineConfig): string {
  return config.snapshot.mode === 'never'
    ? 'begins at the current end of the binlog (snapshot.mode = "never")'
    : `takes a new snapshot (snapshot.mode = "${config.snapshot.mode}")`;
}
