/**
 * The first `count` records of a topic with their Kafka timestamps (CreateTime: set by
 * the producer), which test/support/topic-reader.ts does not keep. A read_committed
 * consumer, so with exactly_once only committed records count.
 */
import type { Kafka } from 'kafkajs';
import { uniqueName } from '../test/support/stack.js';

export interface TimestampedRecord {
  value: Buffer | null;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export async function timestampedRecords(kafka: Kafka, topic: string, count: number, timeoutMs = 10 * 60_000): Promise<TimestampedRecord[]> {
  const groupId = uniqueName('bench_reader');
  const consumer = kafka.consumer({ groupId, maxBytes: 64 << 20 });
  const records: TimestampedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${records.length} of ${count} records of ${topic}`)), timeoutMs);
      void consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              if (records.length < count) records.push({ value: m.value, timestamp: Number(m.timestamp) });
            }
            if (records.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
  return records;
}
