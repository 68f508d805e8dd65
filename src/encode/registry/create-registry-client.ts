import type { PipelineConfig } from '../../config/pipeline-config.js';
import { readPemFile } from '../../config/read-pem-file.js';
import { SchemaRegistryClient } from './schema-registry-client.js';

export type RegistryConfig = NonNullable<PipelineConfig['registry']>;

/**
 * The registry client of a `[registry]` section, for the pipeline and for the commands
 * that read its output (tail, schemas) alike; TLS files are read here, once.
 */
export function createRegistryClient(config: RegistryConfig): SchemaRegistryClient {
  const tls = config.tls;
  return new SchemaRegistryClient({
    url: config.url,
    username: config.username,
    password: config.password,
    ca: readPemFile(tls?.ca, 'registry.tls.ca'),
    cert: readPemFile(tls?.cert, 'registry.tls.cert'),
    key: readPemFile(tls?.key, 'registry.tls.key'),
    checkHostname: tls?.check_hostname ?? true,
    timeoutMs: config.request_timeout_ms,
  });
}
