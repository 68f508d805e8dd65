import { type Admin, type Kafka } from 'kafkajs';
import { loadConfig } from '../config/load-config.js';
import type { PipelineConfig } from '../config/pipeline-config.js';
import { toAvroNamespace } from '../encode/avro-name.js';
import { FrameDecoder } from '../encode/frame-decoder.js';
import { createRegistryClient } from '../encode/registry/create-registry-client.js';
import type { SchemaRegistryClient } from '../encode/registry/schema-registry-client.js';
import { isPipelineSubject, recordFullName } from '../encode/registry/subject-name.js';
import { TributaryError } from '../errors/tributary-error.js';
import { readTopicToEnd } from '../sink/compacted-topic.js';
import { kafkaError } from '../sink/kafka-error.js';
import { kafkaClient } from '../sink/kafka-client.js';
import { reportError } from './report-error.js';

type Write = (text: string) => void;

/**
 * Prints every schema on the pipeline's schemas topic: its fingerprint, its full name and
 * its JSON. Each one is checked against its fingerprint, as a consumer would. In registry
 * mode the table topics' schemas are in the registry: it prints each version of each
 * subject of the pipeline's topics with its id first, then what the schemas topic still
 * holds (nothing, unless an older version wrote the schema-change topic's two schemas there).
 */
export async function schemasCommand(opts: { config: string }, write: Write = (t) => process.stdout.write(t)): Promise<number> {
  try {
    const config = await loadConfig(opts.config);
    const kafka = kafkaClient(config.kafka, { clientId: `${config.kafka.client_id}-schemas` });
    const admin = kafka.admin();
    const registry = config.registry ? createRegistryClient(config.registry) : null;
    try {
      let topics: string[];
      try {
        await admin.connect();
        topics = await admin.listTopics();
      } catch (err) {
        throw kafkaError(err, 'list the topics', 'KAFKA_READ');
      }
      if (registry) await printRegistry(registry, config, topics, write);
      await printSchemasTopic(kafka, admin, config, topics, registry !== null, write);
    } finally {
      registry?.close();
      await admin.disconnect().catch(() => undefined);
    }
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

async function printRegistry(client: SchemaRegistryClient, config: PipelineConfig, topics: string[], write: Write): Promise<void> {
  const strategy = config.registry!.subject_strategy;
  const own = new Set(topics.filter((t) => t.startsWith(`${config.kafka.topic_prefix}.`) || config.routes.some((r) => r.topic === t)));
  const subjects = (await client.subjects()).filter((s) => isPipelineSubject(strategy, s, own, toAvroNamespace([config.kafka.topic_prefix]))).sort();
  write(`registry mode: the schemas of the table topics and the schema-change topic are in the schema registry at ${client.url} (subject_strategy ${strategy})\n\n`);
  let count = 0;
  for (const subject of subjects) {
    for (const version of await client.versions(subject)) {
      const { id, schema } = await client.version(subject, version);
      const parsed = parseSchema(schema, subject, version);
      write(`${subject}  version ${version}  id ${id}  ${recordFullName(parsed)}\n${JSON.stringify(parsed, null, 2)}\n\n`);
      count++;
    }
  }
  write(
    subjects.length > 0
      ? `${count} version(s) of ${subjects.length} subject(s) in the schema registry at ${client.url}\n`
      : `no schemas yet: no subject of the pipeline's topics in the schema registry at ${client.url}\n`,
  );
}

function parseSchema(schema: string, subject: string, version: number): Record<string, unknown> {
  try {
    return JSON.parse(schema) as Record<string, unknown>;
  } catch (err) {
    throw new TributaryError(`version ${version} of subject ${subject} is not JSON: ${schema.slice(0, 100)}`, {
      code: 'REGISTRY_REQUEST',
      cause: err,
      fix: 'check that registry.url points at a Confluent-compatible API (Apicurio: .../apis/ccompat/v7)',
    });
  }
}

async function printSchemasTopic(kafka: Kafka, admin: Admin, config: PipelineConfig, topics: string[], registryMode: boolean, write: Write): Promise<void> {
  const topic = config.kafka.schemas_topic;
  if (!topics.includes(topic)) {
    // In registry mode an absent schemas topic is normal until the first DDL.
    if (!registryMode) write(`no schemas yet: topic ${topic} does not exist\n`);
    return;
  }
  const found: { fingerprint: string; json: string }[] = [];
  const decoder = new FrameDecoder();
  try {
    await readTopicToEnd(kafka, admin, topic, (key, value) => {
      if (!key || !value) return;
      const fingerprint = key.toString();
      if (decoder.hasSchema(fingerprint)) return;
      decoder.addSchema(fingerprint, value.toString());
      found.push({ fingerprint, json: value.toString() });
    });
  } catch (err) {
    throw kafkaError(err, `read the schemas topic ${topic}`, 'KAFKA_READ');
  }
  if (registryMode) {
    if (found.length === 0) return;
    // Written by a version that kept the schema-change topic in single-object framing.
    write(`\nthe schemas topic ${topic} also holds:\n\n`);
  }
  for (const s of found) {
    const parsed = JSON.parse(s.json) as { name?: string; namespace?: string };
    const name = parsed.namespace ? `${parsed.namespace}.${parsed.name}` : (parsed.name ?? '');
    write(`${s.fingerprint}  ${name}\n${JSON.stringify(parsed, null, 2)}\n\n`);
  }
  write(`${found.length} schema(s) on ${topic}\n`);
}
