import PQueue from 'p-queue';
import { type CompressionTypes, type Kafka, type Producer, type TopicMessages, type Transaction } from 'kafkajs';
import { TributaryError } from '../errors/tributary-error.js';
import type { Logger } from '../logger.js';
import type { OutageLog } from '../observe/outage-log.js';
import { kafkaError, transactionError } from './kafka-error.js';
import { KeyPartitioner } from './key-partitioner.js';
import { RecordSizeLimit, type RecordHeaders } from './record-size-limit.js';
import { RequestPlanner, type PendingGroup, type ProduceRequest } from './request-planner.js';
import { compressionType, registerCompressionCodecs, type Compression } from './compression-codecs.js';
import type { Position } from '../model/position.js';
import type { SnapshotProgress } from '../model/snapshot-progress.js';

/** One record for Kafka. A null value is a tombstone. */
export interface OutboundMessage {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeaders;
}

/**
 * Where the source stands once a group's messages are delivered: a transaction boundary.
 * With exactly-once delivery, it is written, as the checkpoint record, in the same Kafka
 * transaction as the messages it covers.
 */
export interface CheckpointMark {
  position: Position;
  progress: SnapshotProgress | null;
}

/** Kafka transactions: each commits its messages and the checkpoint record covering them. */
export interface TransactionalOptions {
  /** transactional.id; a second producer with the same id fences the first. */
  id: string;
  /** The checkpoint record for a mark (in the Kafka checkpoint store's topic and format). */
  checkpointRecord(mark: CheckpointMark): OutboundMessage;
  /** transaction.timeout.ms: how long a transaction may stay open (a huge source transaction). */
  timeoutMs: number;
  /** How long a transaction may take more source transactions before it commits, while more wait (RequestPlanner). */
  commitIntervalMs: number;
}

/** Told of each acked produce request (the pipeline's metrics). */
export interface ProduceObserver {
  produced(messages: number, bytes: number, seconds: number): void;
}

export interface KafkaSinkOptions {
  kafka: Kafka;
  logger: Logger;
  /** Bound on messages handed to send() but not yet acked: at it, `hasCapacity` turns false. */
  maxInFlightMessages: number;
  /**
   * Bound on the bytes of those messages (as RecordSizeLimit counts a record), so wide rows
   * hold no more memory than narrow ones; whichever bound is reached first counts.
   */
  maxInFlightBytes: number;
  /** Messages per produce request at most. */
  batchMaxMessages: number;
  /** The broker's limit for one record batch (`kafka.max_message_bytes`); bounds each request's bytes. */
  maxMessageBytes: number;
  /** How long one failing request is retried before the sink fails for good. */
  retryMaxMs: number;
  compression: Compression;
  /** Told when produce requests start failing and when they work again. */
  outages: OutageLog;
  /** Exactly-once delivery; without it, at-least-once with an idempotent producer. */
  transactional?: TransactionalOptions;
  signal?: AbortSignal;
  observer?: ProduceObserver;
  /** Milliseconds on a monotonic clock (the commit interval); performance.now() by default. */
  now?: () => number;
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
  private readonly codec: CompressionTypes;
  private readonly requests = new PQueue({ concurrency: 1 });
  private readonly queue: PendingGroup[] = [];
  private readonly planner: RequestPlanner;
  private inFlight = 0;
  private inFlightBytes = 0;
  private failure: TributaryError | null = null;
  private capacityWaiters: (() => void)[] = [];
  private started: Promise<void> | null = null;
  private closed: Promise<void> | null = null;
  private transaction: Transaction | null = null;
  private committedMark: CheckpointMark | null = null;

  constructor(options: KafkaSinkOptions) {
    this.options = options;
    this.limit = new RecordSizeLimit(options.maxMessageBytes, options.compression);
    registerCompressionCodecs();
    this.codec = compressionType(options.compression);
    this.planner = new RequestPlanner({
      batchMaxMessages: options.batchMaxMessages,
      limit: this.limit,
      commitIntervalMs: options.transactional ? options.transactional.commitIntervalMs : null,
      now: options.now ?? (() => performance.now()),
    });
    this.producer = options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      // murmur2 like the Java client, so keys land where other Kafka tools expect them.
      createPartitioner: KeyPartitioner,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5_000 },
      ...(options.transactional ? { transactionalId: options.transactional.id, transactionTimeout: options.transactional.timeoutMs } : {}),
    });
  }

  /** Exactly-once: the newest mark whose transaction committed (what a restart resumes from). */
  get committed(): CheckpointMark | null {
    return this.committedMark;
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

  /** Bytes of the messages handed over and not yet acked. */
  get pendingBytes(): number {
    return this.inFlightBytes;
  }

  get hasCapacity(): boolean {
    return this.inFlight < this.options.maxInFlightMessages && this.inFlightBytes < this.options.maxInFlightBytes;
  }

  /** Resolves once in-flight messages and bytes are at most half their bounds (so resumes are not per message). */
  waitForCapacity(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.atHalf()) return Promise.resolve();
    return new Promise((resolve) => this.capacityWaiters.push(resolve));
  }

  /**
   * Queues messages for Kafka in order; the promise resolves when all of them are acked.
   * Never awaits per message: callers hand over a whole batch.
   * With `barrier`, later messages go in a later request, so they are only sent once
   * these are acked: schemas reach their topic before any message that uses them.
   */
  send(messages: OutboundMessage[], options: { barrier?: boolean; mark?: CheckpointMark } = {}): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) {
      return Promise.reject(
        new TributaryError('messages were handed to the Kafka sink after it closed', {
          code: 'KAFKA_PRODUCE',
          fix: 'this is a bug in Tributary (a stage kept sending during shutdown); please report it with the log',
        }),
      );
    }
    // An empty group still matters to a transaction: its mark is the checkpoint to commit.
    const mark = this.options.transactional ? options.mark : undefined;
    if (messages.length === 0 && !mark) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ messages, taken: 0, remaining: messages.length, resolve, reject, barrier: options.barrier ?? false, mark, committed: false, sent: false });
      this.inFlight += messages.length;
      for (const m of messages) this.inFlightBytes += this.limit.recordBytes(m.key, m.value, m.headers);
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
      // A transaction left open ends mid source transaction: abort it, the restart sends it whole.
      await this.transaction?.abort().catch(() => undefined);
      this.transaction = null;
      if (this.started) await this.producer.disconnect().catch(() => undefined);
    })();
    return this.closed;
  }

  /** One produce request: takes up to batchMaxMessages from the queue, sends, acks groups. */
  private async produceNext(): Promise<void> {
    if (this.failure) return;
    const request = this.planner.take(this.queue);
    if (request.count === 0 && !request.commit) {
      // Nothing to send while messages wait would hang the pipeline silently: stop it instead.
      if (this.queue.some((g) => !g.sent)) {
        this.fail(new TributaryError('the Kafka sink planned an empty request while messages were waiting', {
          code: 'KAFKA_PRODUCE',
          fix: 'this is a bug in Tributary; please report it with the log. A restart resumes from the checkpoint',
        }));
      }
      return;
    }
    const started = performance.now();
    try {
      if (this.options.transactional) await this.produceInTransaction(request, this.options.transactional);
      else await this.produceIdempotent(request);
    } catch (err) {
      this.fail(err instanceof TributaryError ? err : kafkaError(err, 'produce to Kafka', undefined, this.requestContext(request)));
      return;
    }
    this.options.observer?.produced(request.count, request.bytes, (performance.now() - started) / 1000);
    this.ack(request);
    if (this.queue.some((g) => !g.sent)) void this.requests.add(() => this.produceNext());
  }

  private produceIdempotent(request: ProduceRequest): Promise<void> {
    return this.options.outages.retry(
      'Kafka',
      async () => {
        try {
          await this.producer.sendBatch({ topicMessages: request.topicMessages, acks: -1, compression: this.codec });
        } catch (err) {
          throw kafkaError(err, 'produce to Kafka', undefined, this.requestContext(request));
        }
      },
      { maxMs: this.options.retryMaxMs, ...(this.options.signal ? { signal: this.options.signal } : {}) },
    );
  }

  /**
   * Sends a request inside the open Kafka transaction, and commits it when the request ends
   * at a mark, with the checkpoint record for that mark. A source transaction larger than a
   * request spans several requests of one Kafka transaction, so a read_committed consumer
   * sees it whole or not at all, and a crash never leaves half of it committed.
   *
   * Nothing is retried here: the outcome of a failed transaction is only known to the
   * broker, and the restart from the committed checkpoint (cli/start-command.ts) is
   * what settles it exactly.
   */
  private async produceInTransaction(request: ProduceRequest, tx: TransactionalOptions): Promise<void> {
    try {
      this.transaction ??= await this.producer.transaction();
      const topicMessages = request.commit ? [...request.topicMessages, toTopicMessages(tx.checkpointRecord(request.commit))] : request.topicMessages;
      await this.transaction.sendBatch({ topicMessages, acks: -1, compression: this.codec });
      if (request.commit) {
        await this.transaction.commit();
        this.transaction = null;
        this.planner.transactionEnded();
        this.committedMark = request.commit;
      }
    } catch (err) {
      await this.transaction?.abort().catch(() => undefined);
      this.transaction = null;
      this.planner.transactionEnded();
      throw transactionError(err, tx.id);
    }
  }

  private requestContext(request: ProduceRequest): { topics: string[]; requestBytes: number; largestRecordBytes: number; maxMessageBytes: number } {
    return {
      topics: request.topicMessages.map((tm) => tm.topic),
      requestBytes: request.bytes,
      largestRecordBytes: request.largestRecordBytes,
      maxMessageBytes: this.options.maxMessageBytes,
    };
  }

  /**
   * Counts a request's messages as acked; groups complete in order, so they leave from the
   * front. A marked group leaves only once a commit covers it: the pipeline checkpoints
   * exactly-once from marked groups.
   */
  private ack(request: ProduceRequest): void {
    for (const [group, n] of request.parts) group.remaining -= n;
    if (request.commit) {
      const through = request.parts[request.parts.length - 1]![0];
      for (const group of this.queue) {
        group.committed = true;
        if (group === through) break;
      }
    }
    while (this.queue.length > 0 && done(this.queue[0]!)) this.queue.shift()!.resolve();
    this.inFlight -= request.count;
    this.inFlightBytes -= request.bytes;
    if (this.capacityWaiters.length > 0 && this.atHalf()) {
      const waiters = this.capacityWaiters;
      this.capacityWaiters = [];
      for (const w of waiters) w();
    }
  }

  private atHalf(): boolean {
    return this.inFlight <= this.options.maxInFlightMessages / 2 && this.inFlightBytes <= this.options.maxInFlightBytes / 2;
  }

  private fail(err: TributaryError): void {
    this.failure = err;
    for (const group of this.queue.splice(0)) group.reject(err);
    this.inFlight = 0;
    this.inFlightBytes = 0;
    const waiters = this.capacityWaiters;
    this.capacityWaiters = [];
    for (const w of waiters) w();
    this.options.logger.error('Kafka sink failed; nothing after the last acked message is checkpointed', { error: err.message });
  }
}

function done(group: PendingGroup): boolean {
  return group.remaining === 0 && group.sent && (!group.mark || group.committed);
}

function toTopicMessages(m: OutboundMessage): TopicMessages {
  return { topic: m.topic, messages: [{ key: m.key, value: m.value }] };
}
