/**
 * Reads a pipeline's file checkpoint the way `tributary status` would, without a store:
 * tests watch it to know how far a snapshot has come.
 */
import { readFileSync } from 'node:fs';
import type { Checkpoint } from '../../src/checkpoint/checkpoint.js';
import type { SnapshotProgress, TableProgress } from '../../src/model/snapshot-progress.js';

/** The checkpoint, or null before the first save. Saves are atomic renames, so never torn. */
export function readCheckpointFile(path: string): Checkpoint | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Checkpoint;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The saved snapshot progress of one `db.table`, or null. */
export function savedTableProgress(path: string, table: string): TableProgress | null {
  const progress = readCheckpointFile(path)?.snapshot as SnapshotProgress | undefined;
  return progress?.tables[table] ?? null;
}

/** The saved cursor of an INT-keyed table as a number (the snapshot's position in it), or null. */
export function savedCursorId(path: string, table: string): number | null {
  const cursor = savedTableProgress(path, table)?.cursor;
  const first = cursor?.[0];
  return typeof first === 'number' ? first : null;
}
