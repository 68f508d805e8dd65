import { readFileSync } from 'node:fs';
import type { PipelineConfig } from '../../config/pipeline-config.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { SchemaRegistryClient } from './schema-registry-client.js';

export type RegistryConfig = NonNullable<PipelineConfig['registry']>;

/**
 * The registry client of a `[registry]` section, for the pipeline and for the commands
 * that read its output (tail, schemas) alike; TLS files are read here, once.
 */
export function createRegistryClient(config: RegistryConfig): SchemaRegistryClient {
  return new SchemaRegistryClient({
    url: config.url,
    username: config.username,
    password: config.password,
    ca: pem(config.ca_file, 'ca_file'),
    cert: pem(config.cert_file, 'cert_file'),
    key: pem(config.key_file, 'key_file'),
    rejectUnauthorized: config.reject_unauthorized,
    timeoutMs: config.request_timeout_ms,
  });
}

function pem(path: string | undefined, key: string): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TributaryError(`registry.${key}: cannot read ${path}: ${(err as Error).message}`, {
      code: 'CONFIG_INVALID',
      cause: err,
      fix: `point registry.${key} at a readable PEM file`,
    });
  }
}
