import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../config/load-config.js';
import { FrameDecoder } from '../encode/frame-decoder.js';
import { readTopicToEnd } from '../sink/compacted-topic.js';
import { kafkaError } from '../sink/kafka-error.js';
import { reportError } from './report-error.js';

/**
 * Prints every schema on the pipeline's schemas topic: its fingerprint, its full name and
 * its JSON. Each one is checked against its fingerprint, as a consumer would.
 */
export async function schemasCommand(opts: { config: string }): Promise<number> {
  try {
    const config = await loadConfig(opts.config);
    const kafka = new Kafka({ clientId: `${config.kafka.client_id}-schemas`, brokers: config.kafka.brokers, logLevel: logLevel.NOTHING, connectionTimeout: 5_000 });
    const admin = kafka.admin();
    const found: { fingerprint: string; json: string }[] = [];
    try {
      await admin.connect();
      if (!(await admin.listTopics()).includes(config.kafka.schemas_topic)) {
        process.stdout.write(`no schemas yet: topic ${config.kafka.schemas_topic} does not exist\n`);
        return 0;
      }
      const decoder = new FrameDecoder();
      await readTopicToEnd(kafka, admin, config.kafka.schemas_topic, (key, value) => {
        if (!key || !value) return;
        const fingerprint = key.toString();
        if (decoder.hasSchema(fingerprint)) return;
        decoder.addSchema(fingerprint, value.toString());
        found.push({ fingerprint, json: value.toString() });
      });
    } catch (err) {
      throw kafkaError(err, `read the schemas topic ${config.kafka.schemas_topic}`, 'KAFKA_READ');
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    for (const s of found) {
      const parsed = JSON.parse(s.json) as { name?: string; namespace?: string };
      const name = parsed.namespace ? `${parsed.namespace}.${parsed.name}` : (parsed.name ?? '');
      process.stdout.write(`${s.fingerprint}  ${name}\n${JSON.stringify(parsed, null, 2)}\n\n`);
    }
    process.stdout.write(`${found.length} schema(s) on ${config.kafka.schemas_topic}\n`);
    return 0;
  } catch (err) {
    return reportError(err);
  }
}
