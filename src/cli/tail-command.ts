import { randomUUID } from 'node:crypto';
import { type Admin, type Kafka, type Consumer, type KafkaMessage } from 'kafkajs';
import { loadConfig } from '../config/load-config.js';
import type { PipelineConfig } from '../config/pipeline-config.js';
import { TopicRouter } from '../route/topic-router.js';
import { MessageDecoder } from '../encode/message-decoder.js';
import { ConfluentFramingDecoder } from '../encode/registry/confluent-framing-decoder.js';
import { createRegistryClient } from '../encode/registry/create-registry-client.js';
import { avroJsonValue } from '../encode/avro-json-value.js';
import { readTopicToEnd } from '../sink/compacted-topic.js';
import { kafkaError } from '../sink/kafka-error.js';
import { kafkaClient } from '../sink/kafka-client.js';
import { TributaryError } from '../errors/tributary-error.js';
import { reportError } from './report-error.js';

export interface TailOptions {
  config: string;
  topic?: string;
  table?: string;
  fromBeginning?: boolean;
  follow?: boolean;
  max?: string;
}

/** Where the lines go; stdout unless a caller gives its own. */
export interface TailOutput {
  /** Resolves once the line may be followed by the next (stdout drained). */
  line(text: string): Promise<void>;
}

/**
 * Prints a topic's messages as JSON lines, decoded exactly (avroJsonValue): one line per
 * message, {topic, partition, offset, timestamp, key, value, headers}, value null for a
 * tombstone. Like kafka-console-consumer it starts at the end unless --from-beginning;
 * without --follow it stops at the end offsets taken when it started. It reads
 * read_committed (kafkajs's default), so aborted exactly-once attempts never show.
 */
export async function tailCommand(opts: TailOptions, signal?: AbortSignal, output: TailOutput = stdoutLines()): Promise<number> {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  signal?.addEventListener('abort', onSignal, { once: true });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const max = parseMax(opts.max);
    const config = await loadConfig(opts.config);
    const topic = topicOf(opts, config);
    const kafka = kafkaClient(config.kafka, { clientId: `${config.kafka.client_id}-tail` });
    const admin = kafka.admin();
    // Registry mode writes table topics in the Confluent framing; the schema-change topic
    // stays in single-object framing, so both are read.
    const registry = config.registry ? createRegistryClient(config.registry) : null;
    try {
      await admin.connect();
      const topics = await admin.listTopics();
      if (!topics.includes(topic)) throw unknownTopic(topic, topics, config);
      const decoder = new MessageDecoder({
        ...(registry ? { framings: [new ConfluentFramingDecoder(registry)] } : {}),
        loadSchemas: async (add) => {
          if (!(await admin.listTopics()).includes(config.kafka.schemas_topic)) return;
          await readTopicToEnd(kafka, admin, config.kafka.schemas_topic, (key, value) => {
            if (key && value) add(key.toString(), value.toString());
          });
        },
      });
      await follow(kafka, admin, topic, { fromBeginning: opts.fromBeginning === true, follow: opts.follow === true, max }, decoder, output, controller.signal);
    } catch (err) {
      if (err instanceof TributaryError) throw err;
      throw kafkaError(err, `read topic ${topic}`, 'KAFKA_READ');
    } finally {
      registry?.close();
      await admin.disconnect().catch(() => undefined);
    }
    return 0;
  } catch (err) {
    return reportError(err);
  } finally {
    signal?.removeEventListener('abort', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function parseMax(max: string | undefined): number {
  if (max === undefined) return Infinity;
  const n = Number(max);
  if (!Number.isInteger(n) || n < 1) {
    throw new TributaryError(`--max ${JSON.stringify(max)} is not a positive whole number`, { code: 'CONFIG_INVALID', fix: 'give --max a number of messages such as 10' });
  }
  return n;
}

function topicOf(opts: TailOptions, config: PipelineConfig): string {
  if ((opts.topic === undefined) === (opts.table === undefined)) {
    throw new TributaryError('tail needs exactly one of --topic <topic> and --table <db.table>', {
      code: 'CONFIG_INVALID',
      fix: 'name the topic (tributary tail --config <file> --topic shop.shop.orders) or the table (--table shop.orders)',
    });
  }
  if (opts.topic !== undefined) return opts.topic;
  const [db, table, ...rest] = opts.table!.split('.');
  if (!db || !table || rest.length > 0) {
    throw new TributaryError(`--table ${JSON.stringify(opts.table)} is not db.table`, { code: 'CONFIG_INVALID', fix: 'give the table as db.table, e.g. --table shop.orders' });
  }
  return new TopicRouter(config.kafka.topic_prefix, config.routes).topicFor(db, table);
}

function unknownTopic(topic: string, topics: string[], config: PipelineConfig): TributaryError {
  const own = new Set([config.kafka.schemas_topic, ...config.routes.map((r) => r.topic)]);
  if (config.kafka.schema_changes_topic) own.add(config.kafka.schema_changes_topic);
  const mine = topics.filter((t) => t.startsWith(`${config.kafka.topic_prefix}.`) || own.has(t)).sort();
  return new TributaryError(`topic ${topic} does not exist on ${config.kafka.brokers.join(',')}`, {
    code: 'KAFKA_READ',
    fix:
      mine.length > 0
        ? `tail one of the pipeline's topics: ${mine.join(', ')} (a table's topic appears with its first change)`
        : `the pipeline ${config.name} has published nothing yet (no topic starts with ${config.kafka.topic_prefix}.); start it, or check --config`,
  });
}

interface FollowOptions {
  fromBeginning: boolean;
  follow: boolean;
  max: number;
}

async function follow(kafka: Kafka, admin: Admin, topic: string, opts: FollowOptions, decoder: MessageDecoder, output: TailOutput, signal: AbortSignal): Promise<void> {
  const starts = new Map<number, bigint>();
  const ends = new Map<number, bigint>();
  for (const p of await admin.fetchTopicOffsets(topic)) {
    const start = BigInt(opts.fromBeginning ? p.low : p.high);
    starts.set(p.partition, start);
    if (!opts.follow && BigInt(p.high) > start) ends.set(p.partition, BigInt(p.high));
  }
  if ((!opts.follow && ends.size === 0) || signal.aborted) return;
  // On stderr, so stdout stays JSON lines: says from where a follow starts (what is written from now on is printed).
  if (opts.follow) process.stderr.write(`tail: following ${topic} from offset ${[...starts].map(([p, o]) => `${p}:${o}`).join(', ')}; Ctrl-C stops\n`);
  const groupId = `tributary-tail-${randomUUID()}`;
  const consumer: Consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, allowAutoTopicCreation: false });
  let printed = 0;
  let failure: unknown = null;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const onAbort = (): void => finish();
  signal.addEventListener('abort', onAbort, { once: true });
  const reached = (partition: number, next: bigint): void => {
    const end = ends.get(partition);
    if (end !== undefined && next >= end) ends.delete(partition);
    if (!opts.follow && ends.size === 0) finish();
  };
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: opts.fromBeginning });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) {
        failure = event.payload.error;
        finish();
      }
    });
    // The end is seen per batch, not per message: an exactly-once topic ends in commit
    // markers, which a read_committed consumer never gets as messages (but whose offsets
    // a batch's lastOffset counts).
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.topic === topic) reached(payload.partition, BigInt(payload.lastOffset) + 1n);
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const start = starts.get(batch.partition) ?? 0n;
        for (const message of batch.messages) {
          if (signal.aborted || printed >= opts.max || failure !== null) return;
          const offset = BigInt(message.offset);
          if (offset < start) continue;
          const end = ends.get(batch.partition);
          if (!opts.follow && (end === undefined || offset >= end)) continue;
          try {
            await output.line(JSON.stringify(await lineOf(topic, batch.partition, message, decoder)));
          } catch (err) {
            failure = err;
            finish();
            return;
          }
          if (++printed >= opts.max) {
            finish();
            return;
          }
          reached(batch.partition, offset + 1n);
        }
      },
    });
    for (const [partition, offset] of starts) consumer.seek({ topic, partition, offset: offset.toString() });
    await finished;
  } finally {
    signal.removeEventListener('abort', onAbort);
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  if (failure !== null) throw failure;
}

async function lineOf(topic: string, partition: number, message: KafkaMessage, decoder: MessageDecoder): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  return {
    topic,
    partition,
    offset: message.offset,
    timestamp: Number(message.timestamp),
    key: message.key ? await decoded(message.key, decoder) : null,
    value: message.value ? await decoded(message.value, decoder) : null,
    headers,
  };
}

async function decoded(frame: Buffer, decoder: MessageDecoder): Promise<unknown> {
  const d = await decoder.decode(frame);
  return avroJsonValue(d.schema, d.value);
}

function stdoutLines(): TailOutput {
  return {
    line: (text) =>
      new Promise<void>((resolve, reject) => {
        const ok = process.stdout.write(`${text}\n`, (err) => (err ? reject(err) : undefined));
        if (ok) resolve();
        else process.stdout.once('drain', resolve);
      }),
  };
}
