import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';

/** Messages currently in a topic (sum over partitions of high - low); 0 if it does not exist. */
export async function topicSize(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return 0;
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** End offset of the single partition of `topic` (0 when it does not exist yet). */
export async function endOffset(kafka: Kafka, topic: string): Promise<bigint> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return 0n;
    const offsets = await admin.fetchTopicOffsets(topic);
    assert.equal(offsets.length, 1, `${topic} must have one partition`);
    return BigInt(offsets[0]!.high);
  } finally {
    await admin.disconnect();
  }
}
