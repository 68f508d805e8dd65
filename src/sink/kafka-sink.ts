import PQueue from 'p-queue';
import { CompressionTypes, Partitioners, type Kafka, type Producer, type TopicMessages } from 'kafkajs';
import { TributaryError } from '../errors/tributary-error.js';
import type { Logger } from '../logger.js';
import type { OutageLog } from '../observe/outage-log.js';
import { kafkaError } from './kafka-error.js';
import { RecordSizeLimit, type RecordHeaders } from './record-size-limit.js';

/** One record for Kafka. A null value is a tombstone. */
export interface OutboundMessage {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeaders;
}

export interface KafkaSinkOptions {
  kafka: Kafka;
  logger: Logger;
  /** Bound on messages handed to send() but not yet acked: at it, `hasCapacity` turns false. */
  maxInFlightMessages: number;
  /** Messages per produce request at most. */
  batchMaxMessages: number;
  /** The broker's limit for one record batch (`kafka.max_message_bytes`); bounds each request's bytes. */
  maxMessageBytes: number;
  /** How long one failing request is retried before the sink fails for good. */
  retryMaxMs: number;
  compression: 'none' | 'gzip';
  /** Told when produce requests start failing and when they work again. */
  outages: OutageLog;
  signal?: AbortSignal;
}

interface Pending {
  messages: OutboundMessage[];
  /** Messages of this group already put into a request. */
  taken: number;
  /** Messages of this group not yet acked. */
  remaining: number;
  /** Nothing sent after this group travels in the same request (see send()). */
  barrier: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface ProduceRequest {
  topicMessages: TopicMessages[];
  /** How many messages of which group this request carries. */
  parts: [Pending, number][];
  count: number;
  /** Sum of the records' sizes (RecordSizeLimit.recordBytes). */
  bytes: number;
  largestRecordBytes: number;
}

/**
 * Publishes messages with an idempotent producer (acks=all) and keeps their order: one
 * produce request is in flight at a time, and while it is, newly sent messages gather into
 * the next request across topics. That keeps per-partition order without relying on
 * in-flight sequencing, and still sends many messages per request.
 *
 * A request holds at most `batchMaxMessages` messages and at most `maxMessageBytes` of
 * records in total. The broker's size limit applies to each partition's record batch, so
 * bounding the whole request keeps every batch in it under the limit without knowing
 * partitions; a single record over the limit still travels alone, and the broker's refusal
 * is reported as not retriable (kafka-error.ts). The pipeline keeps such records out.
 *
 * A failing request is retried with backoff (kafkajs's own retries first, then
 * `withRetry`), never dropped. When retries run out, the sink fails: every pending and
 * later send() rejects, so the pipeline stops without checkpointing past the loss.
 */
export class KafkaSink {
  private readonly options: KafkaSinkOptions;
  private readonly producer: Producer;
  private readonly limit: RecordSizeLimit;
  private readonly requests = new PQueue({ concurrency: 1 });
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private failure: TributaryError | null = null;
  private capacityWaiters: (() => void)[] = [];
  private started: Promise<void> | null = null;
  private closed: Promise<void> | null = null;

  constructor(options: KafkaSinkOptions) {
    this.options = options;
    this.limit = new RecordSizeLimit(options.maxMessageBytes, options.compression);
    this.producer = options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      // murmur2 like the Java client, so keys land where other Kafka tools expect them.
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5_000 },
    });
  }

  start(): Promise<void> {
    this.started ??= this.producer.connect().catch((err: unknown) => {
      throw kafkaError(err, 'connect to Kafka');
    });
    return this.started;
  }

  /** Messages handed over and not yet acked. */
  get pendingMessages(): number {
    return this.inFlight;
  }

  get hasCapacity(): boolean {
    return this.inFlight < this.options.maxInFlightMessages;
  }

  /** Resolves once in-flight messages are at most half the bound (so resumes are not per message). */
  waitForCapacity(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.inFlight <= this.options.maxInFlightMessages / 2) return Promise.resolve();
    return new Promise((resolve) => this.capacityWaiters.push(resolve));
  }

  /**
   * Queues messages for Kafka in order; the promise resolves when all of them are acked.
   * Never awaits per message: callers hand over a whole batch.
   * With `barrier`, later messages go in a later request, so they are only sent once
   * these are acked: schemas reach their topic before any message that uses them.
   */
  send(messages: OutboundMessage[], options: { barrier?: boolean } = {}): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) {
      return Promise.reject(
        new TributaryError('messages were handed to the Kafka sink after it closed', {
          code: 'KAFKA_PRODUCE',
          fix: 'this is a bug in Tributary (a stage kept sending during shutdown); please report it with the log',
        }),
      );
    }
    if (messages.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ messages, taken: 0, remaining: messages.length, resolve, reject, barrier: options.barrier ?? false });
      this.inFlight += messages.length;
      if (this.requests.size === 0) void this.requests.add(() => this.produceNext());
    });
  }

  /** Resolves when everything sent so far is acked (or rejects with the sink's failure). */
  async flush(): Promise<void> {
    await this.requests.onIdle();
    if (this.failure) throw this.failure;
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.requests.onIdle().catch(() => undefined);
      if (this.started) await this.producer.disconnect().catch(() => undefined);
    })();
    return this.closed;
  }

  /** One produce request: takes up to batchMaxMessages from the queue, sends, acks groups. */
  private async produceNext(): Promise<void> {
    if (this.failure) return;
    const request = this.take();
    if (request.count === 0) return;
    try {
      await this.options.outages.retry(
        'Kafka',
        async () => {
          try {
            await this.producer.sendBatch({
              topicMessages: request.topicMessages,
              acks: -1,
              compression: this.options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
            });
          } catch (err) {
            throw kafkaError(err, 'produce to Kafka', undefined, this.requestContext(request));
          }
        },
        { maxMs: this.options.retryMaxMs, ...(this.options.signal ? { signal: this.options.signal } : {}) },
      );
    } catch (err) {
      this.fail(err instanceof TributaryError ? err : kafkaError(err, 'produce to Kafka', undefined, this.requestContext(request)));
      return;
    }
    this.ack(request);
    if (this.queue.some((g) => g.taken < g.messages.length)) void this.requests.add(() => this.produceNext());
  }

  /**
   * Gathers the oldest untaken messages, across groups and topics, into one request, up to
   * batchMaxMessages and the byte limit (always at least one message).
   */
  private take(): ProduceRequest {
    const byTopic = new Map<string, TopicMessages>();
    const parts: [Pending, number][] = [];
    let count = 0;
    let bytes = 0;
    let largest = 0;
    let full = false;
    const max = this.options.batchMaxMessages;
    const limit = this.limit;
    for (const group of this.queue) {
      if (count >= max || full) break;
      const from = group.taken;
      const end = Math.min(group.messages.length, from + (max - count));
      let to = from;
      for (; to < end; to++) {
        const m = group.messages[to]!;
        const size = limit.recordBytes(m.key, m.value, m.headers);
        if (count + (to - from) > 0 && !limit.fits(bytes + size)) {
          full = true;
          break;
        }
        bytes += size;
        if (size > largest) largest = size;
        let entry = byTopic.get(m.topic);
        if (!entry) {
          entry = { topic: m.topic, messages: [] };
          byTopic.set(m.topic, entry);
        }
        entry.messages.push(m.headers ? { key: m.key, value: m.value, headers: m.headers } : { key: m.key, value: m.value });
      }
      if (to > from) parts.push([group, to - from]);
      group.taken = to;
      count += to - from;
      // A barrier group travels without anything sent after it, even when it is not done.
      if (group.barrier) break;
    }
    return { topicMessages: [...byTopic.values()], parts, count, bytes, largestRecordBytes: largest };
  }

  private requestContext(request: ProduceRequest): { topics: string[]; requestBytes: number; largestRecordBytes: number; maxMessageBytes: number } {
    return {
      topics: request.topicMessages.map((tm) => tm.topic),
      requestBytes: request.bytes,
      largestRecordBytes: request.largestRecordBytes,
      maxMessageBytes: this.options.maxMessageBytes,
    };
  }

  /** Counts a request's messages as acked; groups complete in order, so they leave from the front. */
  private ack(request: ProduceRequest): void {
    for (const [group, n] of request.parts) group.remaining -= n;
    while (this.queue.length > 0 && this.queue[0]!.remaining === 0) this.queue.shift()!.resolve();
    this.inFlight -= request.count;
    if (this.inFlight <= this.options.maxInFlightMessages / 2 && this.capacityWaiters.length > 0) {
      const waiters = this.capacityWaiters;
      this.capacityWaiters = [];
      for (const w of waiters) w();
    }
  }

  private fail(err: TributaryError): void {
    this.failure = err;
    for (const group of this.queue.splice(0)) group.reject(err);
    this.inFlight = 0;
    const waiters = this.capacityWaiters;
    this.capacityWaiters = [];
    for (const w of waiters) w();
    this.options.logger.error('Kafka sink failed; nothing after the last acked message is checkpointed', { error: err.message });
  }
}
