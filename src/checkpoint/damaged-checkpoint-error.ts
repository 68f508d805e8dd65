import { TributaryError } from '../errors/tributary-error.js';

/**
 * A stored checkpoint that cannot be parsed. Its own class so `tributary reset` can tell
 * "unreadable, delete it anyway" apart from failures that must stop a delete (an
 * unreachable store, or a file holding another pipeline's checkpoint).
 */
export class DamagedCheckpointError extends TributaryError {
  constructor(where: string, why: string, cause: unknown) {
    super(`checkpoint in ${where} is damaged: ${why}`, {
      code: 'CHECKPOINT_READ',
      retriable: false,
      fix: 'restore the checkpoint from a backup, or delete it with `tributary reset --config <file> --yes` to start over (which re-runs the snapshot per snapshot.mode)',
      cause,
    });
  }
}
