/**
 * Reads Kafka topics the way a consumer with nothing but Kafka would: the schemas topic
 * first, then the data topics, decoding every key and value with the FrameDecoder.
 */
import type { Kafka } from 'kafkajs';
import { FrameDecoder } from '../../src/encode/frame-decoder.js';
import { uniqueName } from './stack.js';

export interface RawRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface DecodedRecord {
  topic: string;
  key: Record<string, unknown> | null;
  /** Null for a tombstone. */
  value: Envelope | null;
  keyFingerprint: string | null;
  valueFingerprint: string | null;
}

export interface Envelope {
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: Record<string, unknown>;
  op: string;
  ts_ms: bigint | null;
  ts_us: bigint | null;
  ts_ns: bigint | null;
  transaction: { id: string; total_order: bigint; data_collection_order: bigint } | null;
}

/** Every record of `topics` from the beginning up to the high watermark at call time. */
export async function readTopics(kafka: Kafka, topics: string[], timeoutMs = 30_000): Promise<RawRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, bigint>();
  try {
    const existing = new Set(await admin.listTopics());
    topics = topics.filter((t) => existing.has(t));
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low)) ends.set(`${topic}:${p.partition}`, BigInt(p.high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  const records: RawRecord[] = [];
  if (ends.size === 0) return records;
  const groupId = uniqueName('t_reader');
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  try {
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out reading ${topics.join(',')}: ${[...ends.keys()].join(',')} not finished`)), timeoutMs);
      // The end is seen per batch, not per message: in a transactional topic the last
      // offsets are commit markers, which a (read_committed) consumer never gets as
      // messages. A batch's lastOffset counts them, and a batch of nothing but markers
      // still ends with this event, though eachMessage is not called for it.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const id = `${payload.topic}:${payload.partition}`;
        const end = ends.get(id);
        if (end !== undefined && BigInt(payload.lastOffset) + 1n >= end) ends.delete(id);
        if (ends.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = String(v);
          records.push({ topic, partition, offset: message.offset, key: message.key, value: message.value, headers });
        },
      });
    });
  } finally {
    await consumer.disconnect();
    const cleanup = kafka.admin();
    await cleanup.connect();
    await cleanup.deleteGroups([groupId]).catch(() => undefined);
    await cleanup.disconnect();
  }
  return records;
}

/** A decoder loaded from the schemas topic alone. */
export async function decoderFromSchemasTopic(kafka: Kafka, schemasTopic: string): Promise<FrameDecoder> {
  const decoder = new FrameDecoder();
  for (const r of await readTopics(kafka, [schemasTopic])) {
    if (r.key && r.value) decoder.addSchema(r.key.toString(), r.value.toString());
  }
  return decoder;
}

/** Reads and decodes data topics; records of one partition keep their order (kafkajs delivers them in order). */
export async function readDecoded(kafka: Kafka, schemasTopic: string, topics: string[]): Promise<DecodedRecord[]> {
  const raw = await readTopics(kafka, topics);
  const decoder = await decoderFromSchemasTopic(kafka, schemasTopic);
  return raw.map((r) => decodeRecord(decoder, r));
}

function decodeRecord(decoder: FrameDecoder, r: RawRecord): DecodedRecord {
  const k = r.key ? decoder.decode(r.key) : null;
  const v = r.value ? decoder.decode(r.value) : null;
  return {
    topic: r.topic,
    key: (plain(k?.value) as Record<string, unknown>) ?? null,
    value: (plain(v?.value) as Envelope) ?? null,
    keyFingerprint: k?.fingerprint ?? null,
    valueFingerprint: v?.fingerprint ?? null,
  };
}

/** avsc decodes records as instances of generated classes; tests compare plain objects. */
function plain(value: unknown): unknown {
  if (value === null || value === undefined || typeof value !== 'object' || Buffer.isBuffer(value)) return value ?? null;
  if (Array.isArray(value)) return value.map(plain);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = plain(v);
  return out;
}

/** A decoded record with where it sits in Kafka. */
export interface PositionedRecord extends DecodedRecord {
  partition: number;
  offset: bigint;
}

/** Like readDecoded, keeping each record's partition and offset. */
export async function readPositioned(kafka: Kafka, schemasTopic: string, topics: string[]): Promise<PositionedRecord[]> {
  const raw = await readTopics(kafka, topics);
  const decoder = await decoderFromSchemasTopic(kafka, schemasTopic);
  return raw.map((r) => ({ ...decodeRecord(decoder, r), partition: r.partition, offset: BigInt(r.offset) }));
}
