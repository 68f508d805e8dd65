import { TributaryError } from '../errors/tributary-error.js';

/** A store is scoped to one pipeline; being handed another pipeline's checkpoint is a bug. */
export function foreignCheckpointError(given: string, owner: string): TributaryError {
  return new TributaryError(`checkpoint for pipeline "${given}" given to the store of "${owner}"`, {
    code: 'CHECKPOINT_WRITE',
    fix: 'this is a bug in Tributary; please report it',
  });
}
