import { z } from 'zod';
import type { Checkpoint } from './checkpoint.js';
import { DamagedCheckpointError } from './damaged-checkpoint-error.js';

// Loose objects: a newer Tributary may add fields, and an older one must still resume.
const positionSchema = z.looseObject({
  gtid: z.string().nullable(),
  file: z.string(),
  pos: z.number().int().nonnegative(),
});

const checkpointSchema = z.looseObject({
  pipeline: z.string().min(1),
  position: positionSchema,
  snapshot: z.unknown().optional(),
  updatedAt: z.string().min(1),
});

/** The JSON form every store writes; fields are copied so no caller object leaks extra keys. */
export function encodeCheckpoint(cp: Checkpoint): string {
  const { gtid, file, pos } = cp.position;
  const plain: Checkpoint = { pipeline: cp.pipeline, position: { gtid, file, pos }, updatedAt: cp.updatedAt };
  if (cp.snapshot !== undefined) plain.snapshot = cp.snapshot;
  return JSON.stringify(plain);
}

/**
 * Parses stored checkpoint JSON. A damaged checkpoint is not retriable: resuming from a
 * guessed position would lose or repeat data, so the user must decide.
 */
export function decodeCheckpoint(text: string, where: string): Checkpoint {
  return checkpointFromValue(parseCheckpointJson(text, where), where);
}

/** Validates an already parsed checkpoint (stores that keep fields in columns build one). */
export function checkpointFromValue(raw: unknown, where: string): Checkpoint {
  const result = checkpointSchema.safeParse(raw);
  if (!result.success) {
    const first = result.error.issues[0];
    const detail = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unexpected shape';
    throw new DamagedCheckpointError(where, `it does not have the checkpoint shape (${detail})`, result.error);
  }
  const { pipeline, position, snapshot, updatedAt } = result.data;
  const cp: Checkpoint = { pipeline, position: { gtid: position.gtid, file: position.file, pos: position.pos }, updatedAt };
  if (snapshot !== undefined) cp.snapshot = snapshot;
  return cp;
}

/** JSON.parse that reports a damaged checkpoint instead of a bare SyntaxError. */
export function parseCheckpointJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DamagedCheckpointError(where, 'it is not valid JSON', err);
  }
}
