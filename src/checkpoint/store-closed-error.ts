import { TributaryError } from '../errors/tributary-error.js';

/** Saving after close means shutdown ordering is wrong: a bug, never the user's doing. */
export function storeClosedError(where: string): TributaryError {
  return new TributaryError(`checkpoint store ${where} is closed`, {
    code: 'CHECKPOINT_WRITE',
    fix: 'this is a bug in Tributary (a checkpoint was saved after shutdown); please report it',
  });
}
