import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { registerCompressionCodecs } from '../sink/compression-codecs.js';
import { createCompactedTopic, notCompacted, readTopicToEnd } from '../sink/compacted-topic.js';
import { TributaryError } from '../errors/tributary-error.js';
import { kafkaError } from '../sink/kafka-error.js';
import type { Checkpoint, CheckpointStore } from './checkpoint.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec.js';
import { storeClosedError } from './store-closed-error.js';
import { foreignCheckpointError } from './foreign-checkpoint-error.js';

export interface KafkaCheckpointStoreOptions {
  /** A shared kafkajs client, or broker addresses for a client this store owns. */
  kafka: Kafka | readonly string[];
  topic: string;
  pipeline: string;
  /** Client id of an owned client (default `tributary-<pipeline>-checkpoint`). */
  clientId?: string;
  /** How long `load` may take to read the topic to its end (default 30 s). */
  loadTimeoutMs?: number;
}

/**
 * Checkpoints as messages in a compacted topic, key = pipeline name, so the topic keeps
 * the newest checkpoint of every pipeline. `load` reads the topic from the beginning up
 * to the high watermark fetched first and keeps the last value for this pipeline.
 */
export class KafkaCheckpointStore implements CheckpointStore {
  private readonly kafka: Kafka;
  private readonly topic: string;
  private readonly pipeline: string;
  private readonly loadTimeoutMs: number;
  private admin: Promise<Admin> | undefined;
  private producer: Promise<Producer> | undefined;
  private topicPolicy: Promise<string> | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(options: KafkaCheckpointStoreOptions) {
    this.topic = options.topic;
    this.pipeline = options.pipeline;
    this.loadTimeoutMs = options.loadTimeoutMs ?? 30_000;
    // The sink's exactly-once transactions write checkpoint records with its codec.
    registerCompressionCodecs();
    this.kafka = !isBrokerList(options.kafka)
      ? options.kafka
      : new Kafka({
          clientId: options.clientId ?? `tributary-${options.pipeline}-checkpoint`,
          brokers: [...options.kafka],
          // Failures surface as TributaryErrors; kafkajs' own log lines would repeat them.
          logLevel: logLevel.NOTHING,
        });
  }

  async load(): Promise<Checkpoint | null> {
    if (this.closed) throw storeClosedError(this.describe());
    let value: Buffer | null = null;
    try {
      await this.ensureTopic('read');
      const admin = await this.connectAdmin();
      await readTopicToEnd(
        this.kafka,
        admin,
        this.topic,
        (key, v) => {
          if (key !== null && key.toString('utf8') === this.pipeline) value = v;
        },
        this.loadTimeoutMs,
      );
      // Connected now, so the first save is one produce request, not a connect as well.
      await this.connectProducer();
    } catch (err) {
      throw this.wrap(err, 'read');
    }
    return value === null ? null : decodeCheckpoint((value as Buffer).toString('utf8'), this.describe());
  }

  async save(cp: Checkpoint): Promise<void> {
    if (this.closed) throw storeClosedError(this.describe());
    if (cp.pipeline !== this.pipeline) throw foreignCheckpointError(cp.pipeline, this.pipeline);
    try {
      await this.ensureTopic('write');
      const producer = await this.connectProducer();
      await producer.send({ topic: this.topic, acks: -1, messages: [{ key: this.pipeline, value: encodeCheckpoint(cp) }] });
    } catch (err) {
      throw this.wrap(err, 'write');
    }
  }

  /**
   * The record `save` would write, for a writer that sends it itself: exactly-once delivery
   * commits it in the same Kafka transaction as the data it covers.
   */
  record(cp: Checkpoint): { topic: string; key: Buffer; value: Buffer } {
    if (cp.pipeline !== this.pipeline) throw foreignCheckpointError(cp.pipeline, this.pipeline);
    return { topic: this.topic, key: Buffer.from(this.pipeline), value: Buffer.from(encodeCheckpoint(cp)) };
  }

  /** A tombstone: `load` then finds no checkpoint, and compaction drops the old ones. */
  async clear(): Promise<void> {
    if (this.closed) throw storeClosedError(this.describe());
    try {
      await this.ensureTopic('write');
      const producer = await this.connectProducer();
      await producer.send({ topic: this.topic, acks: -1, messages: [{ key: this.pipeline, value: null }] });
    } catch (err) {
      throw this.wrap(err, 'delete');
    }
  }

  close(): Promise<void> {
    this.closed = true;
    this.closing ??= (async () => {
      const clients = [this.producer, this.admin].filter((c) => c !== undefined);
      await Promise.all(clients.map((c) => c.then((x) => x.disconnect()).catch(() => undefined)));
    })();
    return this.closing;
  }

  private connectAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })().catch((err: unknown) => {
      this.admin = undefined;
      throw err;
    });
    return this.admin;
  }

  private connectProducer(): Promise<Producer> {
    this.producer ??= (async () => {
      // Idempotent: a retried send can neither duplicate nor reorder checkpoints.
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      return producer;
    })().catch((err: unknown) => {
      this.producer = undefined;
      throw err;
    });
    return this.producer;
  }

  /** Creates the compacted topic, or checks that an existing one is compacted. */
  private async ensureTopic(op: 'read' | 'write'): Promise<void> {
    this.topicPolicy ??= (async () => createCompactedTopic(await this.connectAdmin(), this.topic))().catch((err: unknown) => {
      this.topicPolicy = undefined;
      throw err;
    });
    const policy = await this.topicPolicy;
    if (!policy.split(',').includes('compact')) {
      throw notCompacted(this.topic, 'checkpoint', policy, op === 'read' ? 'CHECKPOINT_READ' : 'CHECKPOINT_WRITE');
    }
  }

  private describe(): string {
    return `Kafka topic ${this.topic}`;
  }

  private wrap(err: unknown, op: 'read' | 'write' | 'delete'): TributaryError {
    if (err instanceof TributaryError) return err;
    const code = op === 'read' ? 'CHECKPOINT_READ' : 'CHECKPOINT_WRITE';
    const chain = errorChain(err);
    const message = chain[0]?.message ?? String(err);
    const what = `cannot ${op} the checkpoint in ${this.describe()}: ${message}`;
    // A certificate or login the broker refuses is the kafka edge's to explain.
    const edge = kafkaError(err, `${op} the checkpoint in ${this.describe()}`);
    if (edge.code === 'KAFKA_AUTH' || edge.code.startsWith('TLS_')) return edge;
    if (chain.some((e) => /AUTHORIZATION_FAILED/.test(String(e.type)))) {
      return new TributaryError(what, {
        code,
        fix: `allow this client to create, describe, read and write topic ${this.topic} (and use consumer groups) in the broker ACLs`,
        cause: err,
      });
    }
    const connection = chain.some(
      (e) =>
        /KafkaJS(Connection|ConnectionClosed|BrokerNotFound|RequestTimeout|NumberOfRetriesExceeded|Lock)Error|KafkaJSNumberOfRetriesExceeded/.test(
          String(e.name),
        ) || e.retriable === true,
    );
    return new TributaryError(what, {
      code,
      retriable: connection,
      fix: connection
        ? 'check that the brokers in [kafka] brokers are running and reachable from this host'
        : `check the broker log and the configuration of topic ${this.topic}`,
      cause: err,
    });
  }
}

// Array.isArray, not instanceof Kafka: a second copy of kafkajs would fail instanceof.
function isBrokerList(k: Kafka | readonly string[]): k is readonly string[] {
  return Array.isArray(k);
}

interface KafkaLikeError {
  name?: unknown;
  message?: string;
  type?: unknown;
  retriable?: unknown;
}

/** The error and the errors it wraps (kafkajs nests the real one in `cause`/`originalError`). */
function errorChain(err: unknown): KafkaLikeError[] {
  const out: KafkaLikeError[] = [];
  let e: unknown = err;
  while (typeof e === 'object' && e !== null && out.length < 5) {
    out.push(e as KafkaLikeError);
    const next = e as { cause?: unknown; originalError?: unknown };
    e = next.originalError ?? next.cause;
  }
  return out;
}
