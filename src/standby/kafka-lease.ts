import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { TributaryError } from '../errors/tributary-error.js';
import type { Logger } from '../logger.js';
import { createCompactedTopic } from '../sink/compacted-topic.js';
import { kafkaError } from '../sink/kafka-error.js';

export interface KafkaLeaseOptions {
  kafka: Kafka;
  /** Compacted topic of leases, key = pipeline name. */
  topic: string;
  pipeline: string;
  /** A standby takes over once it has seen no renewal for this long. */
  leaseMs: number;
  logger: Logger;
  /** Monotonic milliseconds; injected so tests need not wait. */
  now?: () => number;
}

interface LeaseRecord {
  holder: string | null;
  host: string;
  pid: number;
  at: string;
}

/**
 * Elects one active process among the processes of a pipeline: the others wait as
 * standbys. The lease lives in a compacted Kafka topic and is claimed with a transactional
 * producer whose transactional.id is the pipeline's: claiming fences every earlier
 * claimant, so of two standbys claiming at once only one commits.
 *
 * The holder renews every leaseMs/4 with a committed record. It gives up (lost) once no
 * renewal has succeeded for leaseMs/2, or at once when it is fenced. A standby claims only
 * after it has seen no renewal for leaseMs; so by the time it publishes, the old holder has
 * stopped for at least leaseMs/2, even if it was alive but cut off. A graceful stop
 * releases the lease, and a standby takes over at once.
 */
export class KafkaLease {
  private readonly options: KafkaLeaseOptions;
  private readonly id = randomUUID();
  private readonly now: () => number;
  private producer: Producer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private renewedAt = 0;
  private lostHandler: ((err: TributaryError) => void) | null = null;
  private closed = false;

  constructor(options: KafkaLeaseOptions) {
    this.options = options;
    this.now = options.now ?? (() => performance.now());
  }

  /** Resolves once this process holds the lease; waits as a standby meanwhile. */
  async acquire(signal: AbortSignal): Promise<void> {
    const { kafka, topic, logger } = this.options;
    const admin = kafka.admin();
    try {
      await admin.connect();
      await createCompactedTopic(admin, topic);
    } catch (err) {
      throw kafkaError(err, `prepare the lease topic ${topic}`, 'KAFKA_CONNECT');
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const watch = new LeaseWatch(this.options, this.now);
    await watch.start();
    try {
      let announced = false;
      while (!signal.aborted && !this.closed) {
        const state = watch.state();
        if (state.free) {
          if (await this.claim()) {
            logger.info(`holding the lease of pipeline ${this.options.pipeline} (${state.why}); this process is active`);
            return;
          }
          logger.info('another standby claimed the lease first; waiting');
        } else if (!announced) {
          announced = true;
          logger.info(`standby: pipeline ${this.options.pipeline} is active on ${state.holder}; taking over ${this.options.leaseMs} ms after its last renewal`);
        }
        await sleep(Math.min(1_000, this.options.leaseMs / 4), signal);
      }
      throw new TributaryError('stopped while waiting as a standby', { code: 'PIPELINE' });
    } finally {
      await watch.stop();
    }
  }

  /** Told when the lease is lost; the process must stop publishing at once. */
  onLost(handler: (err: TributaryError) => void): void {
    this.lostHandler = handler;
  }

  /** Stops renewing; `release` writes a release record so a standby takes over at once. */
  async close(release: boolean): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const producer = this.producer;
    this.producer = null;
    if (!producer) return;
    if (release) await this.write(producer, null).catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  }

  /** Claims with a fresh transactional producer; false when a later claimant fenced it. */
  private async claim(): Promise<boolean> {
    const producer = this.options.kafka.producer({
      transactionalId: `tributary-${this.options.pipeline}-lease`,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    try {
      await producer.connect();
      await this.write(producer, this.id);
    } catch (err) {
      await producer.disconnect().catch(() => undefined);
      if (isFenced(err)) return false;
      throw kafkaError(err, `claim the lease in topic ${this.options.topic}`, 'KAFKA_CONNECT');
    }
    this.producer = producer;
    this.renewedAt = this.now();
    this.timer = setInterval(() => void this.renew(), Math.max(50, this.options.leaseMs / 4));
    return true;
  }

  private async renew(): Promise<void> {
    const producer = this.producer;
    if (!producer || this.closed) return;
    try {
      await this.write(producer, this.id);
      this.renewedAt = this.now();
    } catch (err) {
      if (isFenced(err)) return this.lose(`another process of pipeline ${this.options.pipeline} claimed the lease`, err);
      if (this.now() - this.renewedAt > this.options.leaseMs / 2) {
        this.lose(`the lease could not be renewed for ${Math.round((this.now() - this.renewedAt) / 1000)} s, so a standby may take over`, err);
      }
    }
  }

  private lose(why: string, cause: unknown): void {
    if (this.closed) return;
    void this.close(false);
    this.lostHandler?.(
      new TributaryError(`lost the lease: ${why}`, {
        code: 'LEASE_LOST',
        fix: 'nothing to do if a standby took over; otherwise check that this host reaches the brokers, and restart it (it waits as a standby)',
        cause,
      }),
    );
  }

  private async write(producer: Producer, holder: string | null): Promise<void> {
    const value: LeaseRecord = { holder, host: hostname(), pid: process.pid, at: new Date().toISOString() };
    const tx = await producer.transaction();
    try {
      await tx.send({ topic: this.options.topic, acks: -1, messages: [{ key: this.options.pipeline, value: JSON.stringify(value) }] });
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      throw err;
    }
  }
}

/** Tails the lease topic (read_committed) and says whether the lease is free. */
class LeaseWatch {
  private consumer: Consumer | null = null;
  private readonly groupId = `tributary-lease-watch-${randomUUID()}`;
  private readonly startedAt: number;
  private last: { record: LeaseRecord; seenAt: number } | null = null;

  constructor(
    private readonly options: KafkaLeaseOptions,
    private readonly now: () => number,
  ) {
    this.startedAt = now();
  }

  async start(): Promise<void> {
    const { kafka, topic, pipeline } = this.options;
    const consumer = kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: 200 });
    this.consumer = consumer;
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          if (message.key?.toString() !== pipeline || !message.value) return;
          try {
            this.last = { record: JSON.parse(message.value.toString()) as LeaseRecord, seenAt: this.now() };
          } catch {
            // Not a lease record: ignore it.
          }
        },
      });
    } catch (err) {
      throw kafkaError(err, `read the lease topic ${topic}`, 'KAFKA_CONNECT');
    }
  }

  state(): { free: true; why: string } | { free: false; holder: string } {
    const lease = this.options.leaseMs;
    const now = this.now();
    const last = this.last;
    if (last && last.record.holder === null) return { free: true, why: 'released by the previous holder' };
    // A fresh watch has not yet watched for a whole lease: it may not have read the newest renewal.
    if (now - this.startedAt <= lease) return { free: false, holder: last ? describe(last.record) : 'nobody seen yet (reading the lease topic)' };
    if (!last) return { free: true, why: 'no holder ever' };
    const since = now - last.seenAt;
    if (since <= lease) return { free: false, holder: describe(last.record) };
    return { free: true, why: `no renewal for ${Math.round(since)} ms` };
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    if (!consumer) return;
    await consumer.disconnect().catch(() => undefined);
    const admin = this.options.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.groupId]);
    } catch {
      // A leftover empty group expires on its own.
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

function describe(r: LeaseRecord): string {
  return `${r.host} (pid ${r.pid})`;
}

function isFenced(err: unknown): boolean {
  for (let e: unknown = err, i = 0; typeof e === 'object' && e !== null && i < 5; i++) {
    const x = e as { type?: unknown; message?: unknown; originalError?: unknown; cause?: unknown };
    if (/INVALID_PRODUCER_EPOCH|PRODUCER_FENCED|fenced/i.test(`${String(x.type)} ${String(x.message)}`)) return true;
    e = x.originalError ?? x.cause;
  }
  return false;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
