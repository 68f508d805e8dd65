import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TributaryError } from '../errors/tributary-error.js';

/** The hand-written parts every envelope embeds, as parsed JSON. */
export interface SharedSchemas {
  source: Record<string, unknown>;
  transaction: Record<string, unknown>;
}

// schemas/ sits at the package root, two levels above both src/encode/ (tsx) and
// dist/encode/ (after tsc).
const SCHEMAS_DIR = new URL('../../schemas/', import.meta.url);

let cached: SharedSchemas | undefined;

/** Reads schemas/source.avsc and schemas/transaction.avsc once per process. */
export function loadSharedSchemas(): SharedSchemas {
  cached ??= { source: readSchema('source.avsc'), transaction: readSchema('transaction.avsc') };
  return cached;
}

/** One schema file of schemas/, parsed. */
export function readSchema(file: string): Record<string, unknown> {
  const url = new URL(file, SCHEMAS_DIR);
  try {
    const parsed: unknown = JSON.parse(readFileSync(url, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('not a JSON object');
    }
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new TributaryError(`cannot read the Avro schema ${fileURLToPath(url)}: ${(err as Error).message}`, {
      code: 'ENCODE',
      cause: err,
      fix: 'reinstall Tributary: the schemas/ folder ships with the package next to dist/',
    });
  }
}
