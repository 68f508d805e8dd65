import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../../logger.js';
import type { TributaryError } from '../../errors/tributary-error.js';
import { kafkaError } from '../../sink/kafka-error.js';

/** A request read from the signal topic: tables to snapshot, and the offset after it. */
export type SignalHandler = (tables: string[], nextOffset: string) => void;

/** What IncrementalSnapshot needs of a signal channel that is not rows in the binlog. */
export interface SignalChannel {
  /** Starts reading after `fromOffset` (from the beginning when null). */
  start(fromOffset: string | null, onRequest: SignalHandler, onError: (err: TributaryError) => void): void;
  close(): Promise<void>;
}

export interface SignalTopicOptions {
  kafka: Kafka;
  topic: string;
  /** Messages keyed by another pipeline's name are not for this one. */
  pipeline: string;
  logger: Logger;
}

/**
 * Ad-hoc snapshot requests as Kafka messages (`snapshot.signal_topic`), for sources that
 * take no writes: Debezium's execute-snapshot shape, keyed by the pipeline name,
 *   {"type":"execute-snapshot","data":{"data-collections":["db.t"],"type":"incremental"}}
 * Read from the offset the checkpoint keeps, so each request is acted on once. kafkajs
 * needs a consumer group: a fresh one, which commits nothing and is deleted on close.
 */
export class SignalTopic implements SignalChannel {
  private readonly options: SignalTopicOptions;
  private consumer: Consumer | null = null;
  private groupId = '';
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(options: SignalTopicOptions) {
    this.options = options;
  }

  /** The message that asks pipeline `pipeline` to snapshot `tables`. */
  static request(pipeline: string, tables: readonly string[]): { key: string; value: string } {
    return { key: pipeline, value: JSON.stringify({ type: 'execute-snapshot', data: { 'data-collections': tables, type: 'incremental' } }) };
  }

  /** Creates the topic (one partition) when it is missing. */
  static async ensure(kafka: Kafka, topic: string): Promise<void> {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: -1 }] });
    } catch (err) {
      throw kafkaError(err, `create the signal topic ${topic}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  start(fromOffset: string | null, onRequest: SignalHandler, onError: (err: TributaryError) => void): void {
    if (this.running || this.closed) return;
    const { kafka, topic, pipeline, logger } = this.options;
    const from = fromOffset === null ? 0n : BigInt(fromOffset);
    this.running = (async () => {
      await SignalTopic.ensure(kafka, topic);
      if (this.closed) return;
      this.groupId = `tributary-signals-${pipeline}-${randomUUID()}`;
      const consumer = kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: 200, allowAutoTopicCreation: false });
      this.consumer = consumer;
      consumer.on(consumer.events.CRASH, (event) => {
        if (!event.payload.restart && !this.closed) onError(kafkaError(event.payload.error, `read the signal topic ${topic}`));
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          if (partition !== 0 || BigInt(message.offset) < from) return;
          const next = (BigInt(message.offset) + 1n).toString();
          if (message.key?.toString() !== pipeline) return;
          const tables = parseRequest(message.value);
          if (!tables) {
            logger.warn(`signal at ${topic} offset ${message.offset} is not an execute-snapshot request with data-collections; ignored`);
            onRequest([], next);
            return;
          }
          onRequest(tables, next);
        },
      });
      if (from > 0n) consumer.seek({ topic, partition: 0, offset: from.toString() });
    })().catch((err: unknown) => {
      if (!this.closed) onError(kafkaError(err, `read the signal topic ${topic}`));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.running?.catch(() => undefined);
    const consumer = this.consumer;
    this.consumer = null;
    if (!consumer) return;
    await consumer.disconnect().catch(() => undefined);
    const admin = this.options.kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([this.groupId]))
      .catch(() => undefined)
      .finally(() => void admin.disconnect().catch(() => undefined));
  }
}

function parseRequest(value: Buffer | null): string[] | null {
  try {
    const parsed = JSON.parse(value?.toString() ?? '') as { type?: unknown; data?: { 'data-collections'?: unknown } };
    const tables = parsed.data?.['data-collections'];
    if (parsed.type !== 'execute-snapshot' || !Array.isArray(tables) || !tables.every((t) => typeof t === 'string')) return null;
    return tables as string[];
  } catch {
    return null;
  }
}
