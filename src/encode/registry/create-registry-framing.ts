import { readFileSync } from 'node:fs';
import type { PipelineConfig } from '../../config/pipeline-config.js';
import { TributaryError } from '../../errors/tributary-error.js';
import type { Logger } from '../../logger.js';
import type { OutageLog } from '../../observe/outage-log.js';
import { RegistryFraming } from './registry-framing.js';
import { SchemaRegistryClient } from './schema-registry-client.js';

export type RegistryConfig = NonNullable<PipelineConfig['registry']>;

/** The registry client and framing of a `[registry]` section; TLS files are read here, once. */
export function createRegistryFraming(
  config: RegistryConfig,
  deps: { topicFor(db: string, table: string): string; outages: OutageLog; logger: Logger },
): { framing: RegistryFraming; client: SchemaRegistryClient } {
  const client = new SchemaRegistryClient({
    url: config.url,
    username: config.username,
    password: config.password,
    ca: pem(config.ca_file, 'ca_file'),
    cert: pem(config.cert_file, 'cert_file'),
    key: pem(config.key_file, 'key_file'),
    rejectUnauthorized: config.reject_unauthorized,
    timeoutMs: config.request_timeout_ms,
  });
  const framing = new RegistryFraming({
    client,
    strategy: config.subject_strategy,
    autoRegister: config.auto_register,
    topicFor: deps.topicFor,
    outages: deps.outages,
    retryMaxMs: config.retry_max_ms,
    logger: deps.logger,
  });
  return { framing, client };
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
