import { readFile } from 'node:fs/promises';
import { TributaryError } from '../errors/tributary-error.js';
import type { Environment } from './interpolate-env.js';
import { parseConfig } from './parse-config.js';
import type { PipelineConfig } from './pipeline-config.js';

/** Reads, interpolates and validates a pipeline config file. */
export async function loadConfig(path: string, env: Environment = process.env): Promise<PipelineConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new TributaryError(`config file not found: ${path}`, {
        code: 'CONFIG_NOT_FOUND',
        fix: 'pass the path of an existing file with --config; config/example.toml is a starting point',
        cause: err,
      });
    }
    if (code === 'EISDIR') {
      throw new TributaryError(`config path is a directory, not a file: ${path}`, {
        code: 'CONFIG_NOT_FOUND',
        fix: 'pass the path of the .toml file itself with --config',
        cause: err,
      });
    }
    throw new TributaryError(`cannot read config file ${path}: ${(err as Error).message}`, {
      code: 'CONFIG_NOT_FOUND',
      fix: 'make the file readable by the user running tributary',
      cause: err,
    });
  }
  return parseConfig(text, path, env);
}
