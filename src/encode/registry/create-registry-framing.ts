import type { Logger } from '../../logger.js';
import type { OutageLog } from '../../observe/outage-log.js';
import { createRegistryClient, type RegistryConfig } from './create-registry-client.js';
import { RegistryFraming } from './registry-framing.js';
import type { SchemaRegistryClient } from './schema-registry-client.js';

export type { RegistryConfig } from './create-registry-client.js';

/** The registry client and framing of a `[registry]` section. */
export function createRegistryFraming(
  config: RegistryConfig,
  deps: { topicFor(db: string, table: string): string; outages: OutageLog; logger: Logger },
): { framing: RegistryFraming; client: SchemaRegistryClient } {
  const client = createRegistryClient(config);
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
