import { readFileSync } from 'node:fs';
import { TributaryError } from '../errors/tributary-error.js';

/**
 * The contents of a PEM file a config key names (`kafka.tls.ca`, ...), read when the
 * client is built, so a wrong path fails at start with the key to fix, not at the first
 * connection. Undefined stays undefined.
 */
export function readPemFile(path: string | undefined, key: string): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TributaryError(`${key}: cannot read ${path}: ${(err as Error).message}`, {
      code: 'CONFIG_INVALID',
      cause: err,
      fix: `point ${key} at a readable PEM file (relative paths start at the working directory)`,
    });
  }
}
