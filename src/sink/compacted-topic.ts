import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { TributaryError, type ErrorCode } from '../errors/tributary-error.js';

/**
 * Tributary's own state topics (schemas, checkpoints) are compacted topics keyed by what
 * they describe: compaction keeps the newest value per key forever. These helpers create
 * one (or check that an existing one is compacted) and read one to its end.
 */
export async function ensureCompactedTopic(admin: Admin, topic: string, purpose: string): Promise<void> {
  const policy = await createCompactedTopic(admin, topic);
  if (!policy.split(',').includes('compact')) throw notCompacted(topic, purpose, policy, 'KAFKA_PRODUCE');
}

/** Creates the topic compacted if it is missing; returns its cleanup.policy either way. */
export async function createCompactedTopic(admin: Admin, topic: string): Promise<string> {
  const created = await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 1, replicationFactor: -1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
  });
  if (created) return 'compact';
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: 2 /* ConfigResourceTypes.TOPIC */, name: topic, configNames: ['cleanup.policy'] }],
  });
  return described.resources[0]?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue ?? '';
}

export function notCompacted(topic: string, purpose: string, policy: string, code: ErrorCode): TributaryError {
  return new TributaryError(`${purpose} topic ${topic} has cleanup.policy=${policy}, so its records expire`, {
    code,
    fix: `make it compacted (kafka-configs.sh --alter --entity-type topics --entity-name ${topic} --add-config cleanup.policy=compact) or configure another topic`,
  });
}

/**
 * Reads every record of `topic` from the beginning up to the end offsets seen at the
 * start. kafkajs consumers need a group: a fresh one commits nothing and is deleted after.
 */
export async function readTopicToEnd(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  onRecord: (key: Buffer | null, value: Buffer | null) => void,
  timeoutMs = 30_000,
): Promise<void> {
  const ends = new Map<number, bigint>();
  for (const p of await admin.fetchTopicOffsets(topic)) {
    if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
  }
  if (ends.size === 0) return;
  const groupId = `tributary-read-${topic}-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TributaryError(`reading topic ${topic} did not reach its end within ${timeoutMs} ms`, {
              code: 'KAFKA_CONNECT',
              retriable: true,
              fix: 'check that the brokers are healthy and that this client may read the topic',
            }),
          ),
        timeoutMs,
      );
      consumer.on(consumer.events.CRASH, (event) => {
        if (!event.payload.restart) reject(event.payload.error);
      });
      // The end is judged on every batch, records or not: a topic written in Kafka
      // transactions ends with a commit marker, which reaches no eachBatch call.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const end = ends.get(payload.partition);
        if (payload.topic === topic && end !== undefined && BigInt(payload.lastOffset) + 1n >= end) ends.delete(payload.partition);
        if (ends.size === 0) resolve();
      });
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) onRecord(m.key, m.value);
          },
        })
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
