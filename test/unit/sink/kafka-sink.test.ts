/**
 * KafkaSink's own bookkeeping, without a broker: which messages go into which produce
 * request, when each send() settles, backpressure, retries and failure. The kafkajs
 * producer is replaced by a recording fake whose sendBatch calls the test settles one
 * by one, so "one request in flight" and "resolves only when acked" are observable.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs, { CompressionTypes, type Kafka, type ProducerBatch, type ProducerConfig } from 'kafkajs';
import { KafkaSink, type KafkaSinkOptions, type OutboundMessage } from '../../../src/sink/kafka-sink.js';
import { TributaryError } from '../../../src/errors/tributary-error.js';
import { OutageLog } from '../../../src/observe/outage-log.js';
import { recordingLogger } from '../../support/recording-logger.js';

// kafkajs spreads its error classes into module.exports, which Node cannot see as named ESM exports.
const { KafkaJSConnectionError, KafkaJSProtocolError, KafkaJSNonRetriableError } = kafkajs;

interface Deferred {
  promise: Promise<never[]>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<never[]>((res, rej) => {
    resolve = () => res([]);
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A kafkajs producer stand-in: records every sendBatch and leaves it pending until the test settles it. */
class RecordingFakeProducer {
  readonly batches: ProducerBatch[] = [];
  private readonly pending: Deferred[] = [];
  connects = 0;
  disconnects = 0;

  async connect(): Promise<void> {
    this.connects++;
  }

  async disconnect(): Promise<void> {
    this.disconnects++;
  }

  /** Per transaction: the request indexes it carried, and how it ended. */
  readonly transactions: { requests: number[]; end: 'open' | 'commit' | 'abort' }[] = [];

  async transaction(): Promise<{ sendBatch(b: ProducerBatch): Promise<never[]>; commit(): Promise<void>; abort(): Promise<void> }> {
    const tx = { requests: [] as number[], end: 'open' as 'open' | 'commit' | 'abort' };
    this.transactions.push(tx);
    return {
      sendBatch: (b) => {
        tx.requests.push(this.batches.length);
        return this.sendBatch(b);
      },
      commit: async () => void (tx.end = 'commit'),
      abort: async () => void (tx.end = 'abort'),
    };
  }

  sendBatch(batch: ProducerBatch): Promise<never[]> {
    const d = deferred();
    this.batches.push(batch);
    this.pending.push(d);
    return d.promise;
  }

  /** Acks request `i` (0-based, in call order). */
  ack(i: number): void {
    this.request(i).resolve();
  }

  failWith(i: number, err: unknown): void {
    this.request(i).reject(err);
  }

  /** Request `i` as [topic, keys][] in the order the sink grouped them. */
  summary(i: number): [string, string[]][] {
    const batch = this.batches[i];
    assert.ok(batch, `no request ${i}; ${this.batches.length} were sent`);
    return batch.topicMessages!.map((tm) => [tm.topic, tm.messages.map((m) => String(m.key))]);
  }

  private request(i: number): Deferred {
    const d = this.pending[i];
    assert.ok(d, `no request ${i}; ${this.batches.length} were sent`);
    return d;
  }
}


function makeSink(options: Partial<Omit<KafkaSinkOptions, 'kafka' | 'logger'>> = {}) {
  const producer = new RecordingFakeProducer();
  const producerConfigs: ProducerConfig[] = [];
  const fakeKafka = {
    producer: (config: ProducerConfig) => {
      producerConfigs.push(config);
      return producer;
    },
  } as unknown as Kafka;
  const logger = recordingLogger();
  const sink = new KafkaSink({
    kafka: fakeKafka,
    logger,
    maxInFlightMessages: 1000,
    maxInFlightBytes: 1 << 30,
    batchMaxMessages: 100,
    maxMessageBytes: 1_048_576,
    retryMaxMs: 5_000,
    compression: 'none',
    outages: new OutageLog(logger),
    ...options,
  });
  return { sink, producer, producerConfigs, logger };
}

/** Messages of `topic` whose keys are `ids` (values are `v-<id>`). */
function msgs(topic: string, ...ids: string[]): OutboundMessage[] {
  return ids.map((id) => ({ topic, key: Buffer.from(id), value: Buffer.from(`v-${id}`) }));
}

/** Tracks whether a promise settled, without letting a rejection go unhandled. */
function watch(p: Promise<void>): { state: () => 'pending' | 'resolved' | 'rejected'; error: () => unknown; promise: Promise<void> } {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  let error: unknown;
  p.then(
    () => (state = 'resolved'),
    (err: unknown) => {
      state = 'rejected';
      error = err;
    },
  );
  return { state: () => state, error: () => error, promise: p };
}

/** Lets every queued promise callback run (the sink's ack -> next request chain is all microtasks). */
function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** `p`, or a rejection naming `what` if it has not settled within `ms` (so a hang fails with a reason). */
function within<T>(p: Promise<T>, what: string, ms = 1_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('KafkaSink', () => {
  it('asks kafkajs for an idempotent producer with one request in flight', () => {
    const { producerConfigs } = makeSink();
    assert.equal(producerConfigs.length, 1);
    assert.equal(producerConfigs[0]!.idempotent, true);
    assert.equal(producerConfigs[0]!.maxInFlightRequests, 1);
  });

  it('keeps one request in flight; later sends gather into the next request, grouped per topic in order', async () => {
    const { sink, producer } = makeSink({ compression: 'gzip' });
    const a = watch(sink.send(msgs('t.a', 'a1')));
    await settle();
    assert.deepEqual(producer.summary(0), [['t.a', ['a1']]]);
    assert.equal(producer.batches[0]!.acks, -1);
    assert.equal(producer.batches[0]!.compression, CompressionTypes.GZIP);
    assert.deepEqual(producer.batches[0]!.topicMessages![0]!.messages.map((m) => String(m.value)), ['v-a1']);

    const b = watch(sink.send(msgs('t.b', 'b1', 'b2')));
    const c = watch(sink.send(msgs('t.a', 'c1')));
    const d = watch(sink.send([...msgs('t.b', 'd1'), ...msgs('t.c', 'd2'), ...msgs('t.a', 'd3')]));
    await settle();
    assert.equal(producer.batches.length, 1, 'nothing more is sent while a request is pending');
    assert.equal(sink.pendingMessages, 7);
    assert.deepEqual([a.state(), b.state(), c.state(), d.state()], ['pending', 'pending', 'pending', 'pending']);

    producer.ack(0);
    await settle();
    assert.deepEqual([a.state(), b.state(), c.state(), d.state()], ['resolved', 'pending', 'pending', 'pending']);
    assert.equal(producer.batches.length, 2);
    // Topics in order of first appearance, each topic's messages in send order.
    assert.deepEqual(producer.summary(1), [
      ['t.b', ['b1', 'b2', 'd1']],
      ['t.a', ['c1', 'd3']],
      ['t.c', ['d2']],
    ]);
    assert.equal(sink.pendingMessages, 6);

    producer.ack(1);
    await settle();
    assert.deepEqual([b.state(), c.state(), d.state()], ['resolved', 'resolved', 'resolved']);
    assert.equal(sink.pendingMessages, 0);
    assert.equal(producer.batches.length, 2, 'no empty request after the queue drained');
    await sink.flush();
  });

  it('an empty send resolves at once and sends nothing', async () => {
    const { sink, producer } = makeSink();
    await sink.send([]);
    await settle();
    assert.equal(producer.batches.length, 0);
    assert.equal(sink.pendingMessages, 0);
  });

  it('splits a send larger than batch_max_messages; its promise resolves only when every part is acked', async () => {
    const { sink, producer } = makeSink({ batchMaxMessages: 3 });
    const big = watch(sink.send(msgs('t', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7')));
    await settle();
    assert.deepEqual(producer.summary(0), [['t', ['m1', 'm2', 'm3']]]);
    assert.equal(producer.batches.length, 1);

    producer.ack(0);
    await settle();
    assert.equal(big.state(), 'pending');
    assert.equal(sink.pendingMessages, 4);
    assert.deepEqual(producer.summary(1), [['t', ['m4', 'm5', 'm6']]]);

    producer.ack(1);
    await settle();
    assert.equal(big.state(), 'pending');
    assert.deepEqual(producer.summary(2), [['t', ['m7']]]);

    producer.ack(2);
    await settle();
    assert.equal(big.state(), 'resolved');
    assert.equal(sink.pendingMessages, 0);
    assert.equal(producer.batches.length, 3);
  });

  it('resolves send() promises in send order, each once its last message is acked', async () => {
    const { sink, producer } = makeSink({ batchMaxMessages: 2 });
    const order: string[] = [];
    const first = watch(sink.send(msgs('t', 'x0')));
    await settle();
    // Queued behind request 0: A spans requests 1 and 2, B rides with A's tail, C and D share request 3.
    const sends = {
      A: sink.send(msgs('t', 'a1', 'a2', 'a3')),
      B: sink.send(msgs('u', 'b1')),
      C: sink.send(msgs('t', 'c1')),
      D: sink.send(msgs('u', 'd1')),
    };
    for (const [name, p] of Object.entries(sends)) void p.then(() => order.push(name));

    producer.ack(0);
    await settle();
    assert.equal(first.state(), 'resolved');
    assert.deepEqual(producer.summary(1), [['t', ['a1', 'a2']]]);
    assert.deepEqual(order, []);

    producer.ack(1);
    await settle();
    assert.deepEqual(producer.summary(2), [['t', ['a3']], ['u', ['b1']]]);
    assert.deepEqual(order, []);

    producer.ack(2);
    await settle();
    assert.deepEqual(order, ['A', 'B']);
    assert.deepEqual(producer.summary(3), [['t', ['c1']], ['u', ['d1']]]);

    producer.ack(3);
    await settle();
    assert.deepEqual(order, ['A', 'B', 'C', 'D']);
  });

  it('sends nothing sent after a barrier send in the same request', async () => {
    const { sink, producer } = makeSink();
    watch(sink.send(msgs('data', 'x0')));
    await settle();
    const before = watch(sink.send(msgs('data', 'p1')));
    const schemas = watch(sink.send(msgs('schemas', 's1', 's2'), { barrier: true }));
    const after = watch(sink.send(msgs('data', 'd1', 'd2')));
    const later = watch(sink.send(msgs('schemas', 's3')));

    producer.ack(0);
    await settle();
    // What came before the barrier may travel with it; what came after may not.
    assert.deepEqual(producer.summary(1), [
      ['data', ['p1']],
      ['schemas', ['s1', 's2']],
    ]);
    assert.equal(producer.batches.length, 2);

    producer.ack(1);
    await settle();
    assert.deepEqual([before.state(), schemas.state(), after.state()], ['resolved', 'resolved', 'pending']);
    assert.deepEqual(producer.summary(2), [
      ['data', ['d1', 'd2']],
      ['schemas', ['s3']],
    ]);
    producer.ack(2);
    await settle();
    assert.deepEqual([after.state(), later.state()], ['resolved', 'resolved']);
  });

  it('a barrier send larger than batch_max_messages still travels alone to its end', async () => {
    const { sink, producer } = makeSink({ batchMaxMessages: 2 });
    watch(sink.send(msgs('schemas', 's1', 's2', 's3'), { barrier: true }));
    watch(sink.send(msgs('data', 'd1')));
    await settle();
    assert.deepEqual(producer.summary(0), [['schemas', ['s1', 's2']]]);
    producer.ack(0);
    await settle();
    assert.deepEqual(producer.summary(1), [['schemas', ['s3']]]);
    producer.ack(1);
    await settle();
    assert.deepEqual(producer.summary(2), [['data', ['d1']]]);
  });

  it('loses capacity above max_in_flight_messages and resumes waiters only at half', async () => {
    const { sink, producer } = makeSink({ maxInFlightMessages: 6, batchMaxMessages: 2 });
    assert.equal(sink.hasCapacity, true);
    await sink.waitForCapacity(); // nothing in flight: resolves at once

    watch(sink.send(msgs('t', 'a1', 'a2')));
    await settle();
    watch(sink.send(msgs('t', 'b1', 'b2', 'b3')));
    assert.equal(sink.pendingMessages, 5);
    assert.equal(sink.hasCapacity, true, '5 of 6 in flight');
    watch(sink.send(msgs('t', 'c1', 'c2')));
    assert.equal(sink.pendingMessages, 7);
    assert.equal(sink.hasCapacity, false, '7 of 6 in flight');

    const waiter = watch(sink.waitForCapacity());
    await settle();
    assert.equal(waiter.state(), 'pending');

    producer.ack(0);
    await settle();
    assert.equal(sink.pendingMessages, 5);
    assert.equal(sink.hasCapacity, true);
    assert.equal(waiter.state(), 'pending', 'below the bound is not enough: waiters resume at half of it');

    producer.ack(1);
    await settle();
    assert.equal(sink.pendingMessages, 3);
    assert.equal(waiter.state(), 'resolved');
    // At or below half, a new wait resolves at once.
    const again = watch(sink.waitForCapacity());
    await settle();
    assert.equal(again.state(), 'resolved');
  });

  it('loses capacity above max_in_flight_bytes too, whatever the count, and resumes at half of it', async () => {
    // Records of 10 kB: 4 of them pass a 32 kB bound while the count bound is far away.
    const wide = (...ids: string[]) => ids.map((id) => ({ topic: 't', key: Buffer.from(id), value: Buffer.alloc(10_000) }));
    const { sink, producer } = makeSink({ maxInFlightMessages: 1000, maxInFlightBytes: 32_000, batchMaxMessages: 2 });
    watch(sink.send(wide('a1', 'a2')));
    await settle();
    watch(sink.send(wide('b1')));
    assert.equal(sink.hasCapacity, true, `3 records, ${sink.pendingBytes} bytes`);
    watch(sink.send(wide('c1')));
    assert.ok(sink.pendingBytes > 32_000 && sink.pendingBytes < 41_000, `${sink.pendingBytes} bytes in flight`);
    assert.equal(sink.hasCapacity, false, '4 records of 10 kB against 32 kB');
    const waiter = watch(sink.waitForCapacity());
    producer.ack(0);
    await settle();
    assert.equal(sink.pendingMessages, 2);
    assert.equal(waiter.state(), 'pending', 'about 20 kB is still above half of 32 kB');
    producer.ack(1);
    await settle();
    assert.equal(sink.pendingBytes, 0);
    assert.equal(waiter.state(), 'resolved');
    assert.equal(sink.hasCapacity, true);
  });

  it('retries a request that failed with a connection error, sending the same messages again', async () => {
    const { sink, producer, logger } = makeSink({ retryMaxMs: 1_000 });
    const sent = watch(sink.send(msgs('t', 'm1', 'm2')));
    await settle();
    producer.failWith(0, new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9', { broker: '127.0.0.1:9', code: 'ECONNREFUSED' }));
    await waitUntil(() => producer.batches.length === 2, 2_000, 'the retry');
    assert.deepEqual(producer.summary(1), producer.summary(0));
    assert.equal(sent.state(), 'pending');
    producer.ack(1);
    await sent.promise;
    assert.equal(sink.pendingMessages, 0);
    // One line as the outage begins and one as it ends, however many retries in between.
    assert.equal(logger.lines.filter((l) => l.startsWith('warn Kafka unavailable: could not produce to Kafka')).length, 1, logger.lines.join('\n'));
    assert.equal(logger.lines.filter((l) => /^info Kafka available again after [\d.]+ s \(1 failed attempt/.test(l)).length, 1, logger.lines.join('\n'));
    await sink.flush();
    // The sink is still healthy.
    const next = watch(sink.send(msgs('t', 'm3')));
    await settle();
    assert.deepEqual(producer.summary(2), [['t', ['m3']]]);
    producer.ack(2);
    await next.promise;
  });

  it('fails for good when a request keeps failing past retry_max_ms: the failing, pending and later sends reject', async () => {
    // 300 ms allows the first retry (backoff 150-250 ms) but not the second (300-500 ms).
    const { sink, producer, logger } = makeSink({ retryMaxMs: 300, maxInFlightMessages: 2 });
    const failing = watch(sink.send(msgs('t', 'f1')));
    await settle();
    const queued = watch(sink.send(msgs('u', 'q1', 'q2')));
    const waiter = watch(sink.waitForCapacity());
    const down = () => new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9', { code: 'ECONNREFUSED' });
    producer.failWith(0, down());
    await waitUntil(() => producer.batches.length === 2, 2_000, 'the retry');
    assert.deepEqual(producer.summary(1), [['t', ['f1']]], 'the retry carries the same request, not the queued messages');
    producer.failWith(1, down());
    await waitUntil(() => failing.state() !== 'pending', 2_000, 'the failure');

    const err = failing.error();
    assert.ok(err instanceof TributaryError, String(err));
    assert.equal(err.code, 'KAFKA_PRODUCE');
    assert.equal(err.retriable, true);
    assert.match(err.message, /ECONNREFUSED/);
    assert.match(err.fix ?? '', /brokers/);
    assert.ok(err.cause instanceof KafkaJSConnectionError);
    await settle();
    assert.equal(queued.state(), 'rejected');
    assert.equal(queued.error(), err);
    // A waiter for capacity is released (the pipeline then sees the failure), not left hanging.
    assert.equal(waiter.state(), 'resolved');
    assert.equal(sink.pendingMessages, 0);
    assert.equal(producer.batches.length, 2, 'the queued messages were never sent');

    await assert.rejects(within(sink.send(msgs('t', 'late')), 'a send after the failure'), (e: unknown) => e === err);
    await assert.rejects(within(sink.waitForCapacity(), 'waitForCapacity after the failure'), (e: unknown) => e === err);
    await assert.rejects(within(sink.flush(), 'flush after the failure'), (e: unknown) => e === err);
    await settle();
    assert.equal(producer.batches.length, 2);
    assert.equal(logger.lines.filter((l) => l.startsWith('error Kafka sink failed')).length, 1, logger.lines.join('\n'));
  });

  it('does not retry a broker size refusal: it is KAFKA_MESSAGE_TOO_LARGE naming the topic, the sizes and the fix', async () => {
    const { sink, producer } = makeSink({ retryMaxMs: 5_000, maxMessageBytes: 2_000_000 });
    const sent = watch(sink.send([{ topic: 'shop.shop.docs', key: Buffer.from('k1'), value: Buffer.alloc(1_500_000) }]));
    await settle();
    // Shaped as kafkajs builds it from the broker's error code, wrapped as kafkajs does once it gives up.
    const protocol = new KafkaJSProtocolError(
      Object.assign(new Error('The request included a message larger than the max message size the server will accept'), {
        type: 'MESSAGE_TOO_LARGE',
        code: 10,
        retriable: false,
      }),
    );
    const wrapped = new KafkaJSNonRetriableError(protocol);
    (wrapped as { cause?: unknown }).cause = protocol;
    producer.failWith(0, wrapped);
    await waitUntil(() => sent.state() !== 'pending', 1_000, 'the failure');
    const err = sent.error();
    assert.ok(err instanceof TributaryError, String(err));
    assert.equal(err.code, 'KAFKA_MESSAGE_TOO_LARGE');
    assert.equal(err.retriable, false);
    assert.match(err.message, /topic shop\.shop\.docs; largest record 1500038 bytes, request 1500038 bytes, kafka\.max_message_bytes 2000000/);
    assert.match(err.fix ?? '', /--entity-name shop\.shop\.docs --add-config max\.message\.bytes=2000000/);
    assert.match(err.fix ?? '', /message\.max\.bytes/);
    assert.match(err.fix ?? '', /kafka\.oversized/);
    assert.equal(producer.batches.length, 1, 'not retried');
  });

  it('retries a leader election that kafkajs gave up on (LEADER_NOT_AVAILABLE wrapped as non-retriable): it is an outage, not a failure', async () => {
    const { sink, producer } = makeSink({ retryMaxMs: 5_000 });
    const sent = watch(sink.send(msgs('t', 'm1')));
    await settle();
    // What the chaos run met after a broker restart, shaped as kafkajs wraps it once its own retries are spent.
    const election = new KafkaJSProtocolError(
      Object.assign(new Error('There is no leader for this topic-partition as we are in the middle of a leadership election'), { type: 'LEADER_NOT_AVAILABLE', code: 5, retriable: true }),
    );
    const wrapped = new KafkaJSNonRetriableError(election);
    (wrapped as { cause?: unknown }).cause = election;
    producer.failWith(0, wrapped);
    await waitUntil(() => producer.batches.length === 2, 2_000, 'the retry');
    assert.deepEqual(producer.summary(1), [['t', ['m1']]]);
    producer.ack(1);
    await waitUntil(() => sent.state() !== 'pending', 2_000, 'the ack of the retry');
    assert.equal(sent.state(), 'resolved');
  });

  it('does not retry other errors kafkajs marks as not retriable', async () => {
    const { sink, producer } = makeSink({ retryMaxMs: 5_000 });
    const sent = watch(sink.send(msgs('t', 'm1')));
    await settle();
    producer.failWith(0, new KafkaJSProtocolError(Object.assign(new Error('Not authorized to access topics: [Topic authorization failed]'), { type: 'TOPIC_AUTHORIZATION_FAILED', code: 29, retriable: false })));
    await waitUntil(() => sent.state() !== 'pending', 1_000, 'the failure');
    const err = sent.error();
    assert.ok(err instanceof TributaryError, String(err));
    assert.equal(err.code, 'KAFKA_PRODUCE');
    assert.equal(err.retriable, false);
    assert.match(err.fix ?? '', /broker log/);
    assert.equal(producer.batches.length, 1);
  });

  describe('requests bounded by bytes (kafka.max_message_bytes)', () => {
    // Room for 1000 bytes of records: the limit less the 61-byte batch header.
    const maxMessageBytes = 1_061;
    /** Messages with 2-byte keys and `size`-byte values: 36 + 2 + size bytes each as RecordSizeLimit counts. */
    const sized = (topic: string, size: number, ...ids: string[]): OutboundMessage[] =>
      ids.map((id) => ({ topic, key: Buffer.from(id), value: Buffer.alloc(size, id) }));

    it('starts a new request before the records would exceed the limit; the send resolves when all parts are acked', async () => {
      const { sink, producer } = makeSink({ maxMessageBytes });
      // 338 bytes each: two make 676, three 1014 > 1000.
      const big = watch(sink.send(sized('t', 300, 'm1', 'm2', 'm3', 'm4', 'm5')));
      await settle();
      assert.deepEqual(producer.summary(0), [['t', ['m1', 'm2']]]);
      producer.ack(0);
      await settle();
      assert.deepEqual(producer.summary(1), [['t', ['m3', 'm4']]]);
      assert.equal(big.state(), 'pending');
      producer.ack(1);
      await settle();
      assert.deepEqual(producer.summary(2), [['t', ['m5']]]);
      producer.ack(2);
      await settle();
      assert.equal(big.state(), 'resolved');
      assert.equal(producer.batches.length, 3);
      assert.equal(sink.pendingMessages, 0);
    });

    it('records of exactly the limit share one request; one byte more does not', async () => {
      const { sink, producer } = makeSink({ maxMessageBytes });
      // 2 x (36 + 2 + 462) = 1000.
      watch(sink.send(sized('t', 462, 'a1', 'a2')));
      await settle();
      assert.deepEqual(producer.summary(0), [['t', ['a1', 'a2']]]);
      producer.ack(0);
      await settle();
      watch(sink.send([...sized('t', 462, 'b1'), ...sized('t', 463, 'b2')]));
      await settle();
      assert.deepEqual(producer.summary(1), [['t', ['b1']]]);
      producer.ack(1);
      await settle();
      assert.deepEqual(producer.summary(2), [['t', ['b2']]]);
    });

    it('counts every topic and group of a request together, and keeps send order across the split', async () => {
      const { sink, producer } = makeSink({ maxMessageBytes });
      watch(sink.send(msgs('x', 'x0')));
      await settle();
      const order: string[] = [];
      const a = sink.send(sized('t.a', 300, 'a1', 'a2'));
      const b = sink.send(sized('t.b', 300, 'b1', 'b2'));
      const c = sink.send(sized('t.a', 100, 'c1'));
      for (const [name, p] of [['a', a], ['b', b], ['c', c]] as const) void p.then(() => order.push(name));
      producer.ack(0);
      await settle();
      // 338 + 338 = 676; b1 would make 1014.
      assert.deepEqual(producer.summary(1), [['t.a', ['a1', 'a2']]]);
      producer.ack(1);
      await settle();
      assert.deepEqual(order, ['a']);
      // b1, b2 (676) and c1 (138) make 814.
      assert.deepEqual(producer.summary(2), [['t.b', ['b1', 'b2']], ['t.a', ['c1']]]);
      producer.ack(2);
      await settle();
      assert.deepEqual(order, ['a', 'b', 'c']);
    });

    it('sends a record over the limit alone, between requests of what came before and after it', async () => {
      const { sink, producer } = makeSink({ maxMessageBytes });
      const sent = watch(sink.send([...sized('t', 300, 'm1'), ...sized('t', 5_000, 'hg'), ...sized('t', 300, 'm3')]));
      await settle();
      assert.deepEqual(producer.summary(0), [['t', ['m1']]]);
      producer.ack(0);
      await settle();
      assert.deepEqual(producer.summary(1), [['t', ['hg']]]);
      producer.ack(1);
      await settle();
      assert.deepEqual(producer.summary(2), [['t', ['m3']]]);
      producer.ack(2);
      await settle();
      assert.equal(sent.state(), 'resolved');
    });

    it('a barrier send split by bytes still travels without anything sent after it', async () => {
      const { sink, producer } = makeSink({ maxMessageBytes });
      watch(sink.send(sized('schemas', 300, 's1', 's2', 's3'), { barrier: true }));
      watch(sink.send(sized('data', 10, 'd1')));
      await settle();
      assert.deepEqual(producer.summary(0), [['schemas', ['s1', 's2']]]);
      producer.ack(0);
      await settle();
      assert.deepEqual(producer.summary(1), [['schemas', ['s3']]], 'd1 (48 bytes) would fit, but comes after the barrier');
      producer.ack(1);
      await settle();
      assert.deepEqual(producer.summary(2), [['data', ['d1']]]);
    });

    it('passes headers through and counts them', async () => {
      const { sink, producer } = makeSink({ maxMessageBytes });
      // 338 + (338 + 10 + 19 + 2) = 707; h2 (294) makes 1001 > 1000, but would fit (970) if headers were not counted.
      const headers = { 'tributary.truncated': '{}' };
      watch(sink.send([...sized('t', 300, 'h0'), { ...sized('t', 300, 'h1')[0]!, headers }, ...sized('t', 256, 'h2')]));
      await settle();
      assert.deepEqual(producer.summary(0), [['t', ['h0', 'h1']]]);
      const sentMessages = producer.batches[0]!.topicMessages![0]!.messages;
      assert.equal(sentMessages[0]!.headers, undefined);
      assert.deepEqual(sentMessages[1]!.headers, headers);
    });
  });

  it('close() waits for the request in flight, disconnects once, and is safe to call twice; send after close rejects', async () => {
    const { sink, producer } = makeSink();
    await Promise.all([sink.start(), sink.start()]);
    assert.equal(producer.connects, 1);
    const sent = watch(sink.send(msgs('t', 'm1')));
    await settle();
    const closing = watch(sink.close());
    const closingAgain = watch(sink.close());
    await settle();
    assert.equal(closing.state(), 'pending', 'close waits for the request in flight');
    assert.equal(producer.disconnects, 0);

    await assert.rejects(within(sink.send(msgs('t', 'm2')), 'a send while closing'), (e: unknown) => e instanceof TributaryError && e.code === 'KAFKA_PRODUCE');
    producer.ack(0);
    await closing.promise;
    await closingAgain.promise;
    await sink.close();
    assert.equal(sent.state(), 'resolved');
    assert.equal(producer.disconnects, 1);
    assert.equal(producer.batches.length, 1, 'the send after close was not sent');
    await assert.rejects(within(sink.send(msgs('t', 'm3')), 'a send after close'), (e: unknown) => e instanceof TributaryError && e.code === 'KAFKA_PRODUCE');
  });

  it('close() without start() does not disconnect a producer it never connected', async () => {
    const { sink, producer } = makeSink();
    await sink.close();
    await sink.close();
    assert.equal(producer.connects, 0);
    assert.equal(producer.disconnects, 0);
  });

  it('a failed connect is a KAFKA_CONNECT error with a fix', async () => {
    const { sink, producer } = makeSink();
    producer.connect = async () => {
      throw new KafkaJSConnectionError('Connection error: getaddrinfo ENOTFOUND kafka.invalid', { code: 'ENOTFOUND' });
    };
    await assert.rejects(sink.start(), (e: unknown) => {
      assert.ok(e instanceof TributaryError);
      assert.equal(e.code, 'KAFKA_CONNECT');
      assert.equal(e.retriable, true);
      assert.match(e.fix ?? '', /brokers/);
      return true;
    });
  });

  describe('with Kafka transactions (exactly-once)', () => {
    const mark = (seq: number) => ({ position: { gtid: `0-1-${seq}`, file: 'binlog.000001', pos: seq }, progress: null });
    const transactional = {
      id: 'tributary-t',
      timeoutMs: 60_000,
      commitIntervalMs: 0,
      checkpointRecord: (m: { position: { gtid: string | null } }) => ({ topic: 'cp', key: Buffer.from('t'), value: Buffer.from(String(m.position.gtid)) }),
    };

    it('asks for a transactional producer with the pipeline\'s id', () => {
      const { producerConfigs } = makeSink({ transactional });
      assert.equal(producerConfigs[0]!.transactionalId, 'tributary-t');
      assert.equal(producerConfigs[0]!.idempotent, true);
      assert.equal(producerConfigs[0]!.transactionTimeout, 60_000);
    });

    it('commits a request that ends at a mark, with the checkpoint record of that mark in it', async () => {
      const { sink, producer } = makeSink({ transactional });
      const sent = watch(sink.send(msgs('t', 'a', 'b'), { mark: mark(7) }));
      await settle();
      assert.deepEqual(producer.summary(0), [['t', ['a', 'b']], ['cp', ['t']]]);
      assert.equal(String(producer.batches[0]!.topicMessages![1]!.messages[0]!.value), '0-1-7');
      producer.ack(0);
      await sent.promise;
      await settle();
      assert.deepEqual(producer.transactions, [{ requests: [0], end: 'commit' }]);
      assert.deepEqual(sink.committed, mark(7));
    });

    it('cuts a request at the last mark so it can commit, and keeps a source transaction larger than a request in one Kafka transaction', async () => {
      const { sink, producer } = makeSink({ transactional, batchMaxMessages: 3 });
      const first = watch(sink.send(msgs('t', 'x'), { mark: mark(1) }));
      await settle();
      // While request 0 is out: a source transaction of 5 messages in two batches, the second with the commit.
      void sink.send(msgs('t', 'm1', 'm2'));
      void sink.send(msgs('t', 'm3', 'm4', 'm5'), { mark: mark(2) });
      producer.ack(0);
      await first.promise;
      await settle();
      // m1..m3 cannot end at a mark: they go out uncommitted, in a transaction left open.
      assert.deepEqual(producer.summary(1), [['t', ['m1', 'm2', 'm3']]]);
      producer.ack(1);
      await settle();
      assert.deepEqual(producer.summary(2), [['t', ['m4', 'm5']], ['cp', ['t']]]);
      producer.ack(2);
      await settle();
      assert.deepEqual(producer.transactions, [
        { requests: [0], end: 'commit' },
        { requests: [1, 2], end: 'commit' },
      ]);
      assert.deepEqual(sink.committed, mark(2));
    });

    it('leaves out what follows the last mark when a request would end inside a source transaction', async () => {
      const { sink, producer } = makeSink({ transactional, batchMaxMessages: 10 });
      const blocker = watch(sink.send(msgs('t', 'x'), { mark: mark(1) }));
      await settle();
      void sink.send(msgs('t', 'a'), { mark: mark(2) });
      void sink.send(msgs('t', 'b', 'c'));
      producer.ack(0);
      await blocker.promise;
      await settle();
      assert.deepEqual(producer.summary(1), [['t', ['a']], ['cp', ['t']]], 'b and c wait for their commit');
    });

    it('sends an empty marked send as a transaction of the checkpoint record alone', async () => {
      const { sink, producer } = makeSink({ transactional });
      const sent = watch(sink.send([], { mark: mark(3) }));
      await settle();
      assert.deepEqual(producer.summary(0), [['cp', ['t']]]);
      producer.ack(0);
      await sent.promise;
      assert.deepEqual(sink.committed, mark(3));
    });

    it('aborts a failed transaction and fails without retrying: the restart from the committed checkpoint settles it', async () => {
      const { sink, producer } = makeSink({ transactional });
      const sent = watch(sink.send(msgs('t', 'a'), { mark: mark(4) }));
      await settle();
      producer.failWith(0, new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9', { broker: '127.0.0.1:9', code: 'ECONNREFUSED' }));
      await assert.rejects(sent.promise, (err: unknown) => err instanceof TributaryError && err.code === 'KAFKA_TRANSACTION' && err.retriable);
      assert.equal(producer.batches.length, 1, 'no retry in place');
      assert.deepEqual(producer.transactions, [{ requests: [0], end: 'abort' }]);
      assert.equal(sink.committed, null);
    });

    describe('with a commit interval (kafka.transaction_commit_interval_ms)', () => {
      const clock = () => {
        let ms = 0;
        return { now: () => ms, advance: (by: number) => void (ms += by) };
      };
      const interval = { ...transactional, commitIntervalMs: 100 };

      /** A sink whose request 0 (mark 0, committed alone) is out while `n` marked one-message sends queue. */
      async function queuedBehindBlocker(n: number, batchMaxMessages: number) {
        const time = clock();
        const made = makeSink({ transactional: interval, batchMaxMessages, now: time.now });
        const blocker = watch(made.sink.send(msgs('t', 'x'), { mark: mark(0) }));
        await settle();
        const sends = Array.from({ length: n }, (_, i) => watch(made.sink.send(msgs('t', `k${i + 1}`), { mark: mark(i + 1) })));
        made.producer.ack(0);
        await blocker.promise;
        await settle();
        return { ...made, time, sends };
      }

      it('keeps the transaction open while later marks wait, and resolves marked sends only at the commit', async () => {
        const { sink, producer, sends } = await queuedBehindBlocker(5, 2);
        // Request 1 takes k1, k2; k3..k5 wait with marks of their own: no commit yet.
        assert.deepEqual(producer.summary(1), [['t', ['k1', 'k2']]]);
        producer.ack(1);
        await settle();
        assert.deepEqual(sends.map((s) => s.state()), ['pending', 'pending', 'pending', 'pending', 'pending'], 'acked but not committed');
        assert.deepEqual(sink.committed, mark(0));
        assert.deepEqual(producer.summary(2), [['t', ['k3', 'k4']]]);
        producer.ack(2);
        await settle();
        // k5 is the last mark queued: its request commits, with the checkpoint record of mark 5.
        assert.deepEqual(producer.summary(3), [['t', ['k5']], ['cp', ['t']]]);
        assert.equal(String(producer.batches[3]!.topicMessages![1]!.messages[0]!.value), '0-1-5');
        producer.ack(3);
        await within(Promise.all(sends.map((s) => s.promise)), 'the held sends');
        assert.deepEqual(producer.transactions, [
          { requests: [0], end: 'commit' },
          { requests: [1, 2, 3], end: 'commit' },
        ]);
        assert.deepEqual(sink.committed, mark(5));
      });

      it('commits at the last mark of a request once the interval has passed, though more marks wait', async () => {
        const { sink, producer, sends, time } = await queuedBehindBlocker(6, 2);
        assert.deepEqual(producer.summary(1), [['t', ['k1', 'k2']]]);
        time.advance(100);
        producer.ack(1);
        await settle();
        // Request 2 is taken 100 ms after its transaction opened: it commits at mark 4.
        assert.deepEqual(producer.summary(2), [['t', ['k3', 'k4']], ['cp', ['t']]]);
        producer.ack(2);
        await settle();
        assert.deepEqual(sends.map((s) => s.state()), ['resolved', 'resolved', 'resolved', 'resolved', 'pending', 'pending']);
        assert.deepEqual(sink.committed, mark(4));
        // The next transaction opens with request 3, which holds the last mark queued.
        assert.deepEqual(producer.summary(3), [['t', ['k5', 'k6']], ['cp', ['t']]]);
        producer.ack(3);
        await within(Promise.all(sends.map((s) => s.promise)), 'the last sends');
        assert.deepEqual(producer.transactions, [
          { requests: [0], end: 'commit' },
          { requests: [1, 2], end: 'commit' },
          { requests: [3], end: 'commit' },
        ]);
      });

      it('commits at once when nothing committable waits: a quiet pipeline keeps its latency', async () => {
        const time = clock();
        const { sink, producer } = makeSink({ transactional: interval, now: time.now });
        const first = watch(sink.send(msgs('t', 'a'), { mark: mark(1) }));
        await settle();
        // Messages of an unfinished source transaction queue behind: they give no commit point.
        void sink.send(msgs('t', 'b'));
        assert.deepEqual(producer.summary(0), [['t', ['a']], ['cp', ['t']]]);
        producer.ack(0);
        await first.promise;
        assert.deepEqual(sink.committed, mark(1));
      });

      it('a barrier acked while a commit is held does not stop the requests after it (the commit comes from them)', async () => {
        const { sink, producer } = makeSink({ transactional: interval, now: clock().now });
        const blocker = watch(sink.send(msgs('t', 'x'), { mark: mark(0) }));
        await settle();
        // While request 0 is out: a marked send, a schema barrier, and a later marked send.
        const first = watch(sink.send(msgs('t', 'a'), { mark: mark(1) }));
        const schemas = watch(sink.send(msgs('s', 'schema'), { barrier: true }));
        const later = watch(sink.send(msgs('t', 'b'), { mark: mark(2) }));
        producer.ack(0);
        await blocker.promise;
        await settle();
        assert.deepEqual(producer.summary(1), [['t', ['a']], ['s', ['schema']]], 'the barrier ends the request; mark 1 is not yet committed');
        producer.ack(1);
        await settle();
        assert.deepEqual(producer.summary(2), [['t', ['b']], ['cp', ['t']]]);
        producer.ack(2);
        await within(Promise.all([first.promise, schemas.promise, later.promise]), 'the sends around the barrier');
        assert.deepEqual(sink.committed, mark(2));
      });

      it('a failure while commits are held rejects the held sends: nothing uncommitted is acked', async () => {
        const { sink, producer, sends } = await queuedBehindBlocker(2, 1);
        producer.ack(1);
        await settle();
        producer.failWith(2, new KafkaJSConnectionError('Connection error', { broker: '127.0.0.1:9', code: 'ECONNREFUSED' }));
        await settle();
        assert.deepEqual(sends.map((s) => s.state()), ['rejected', 'rejected']);
        assert.deepEqual(producer.transactions, [
          { requests: [0], end: 'commit' },
          { requests: [1, 2], end: 'abort' },
        ]);
        assert.deepEqual(sink.committed, mark(0));
      });
    });

    it('a fenced producer is final: another process of the pipeline took over', async () => {
      const { sink, producer } = makeSink({ transactional });
      const sent = watch(sink.send(msgs('t', 'a'), { mark: mark(5) }));
      await settle();
      producer.failWith(0, new KafkaJSProtocolError(Object.assign(new Error('Producer attempted an operation with an old epoch'), { type: 'INVALID_PRODUCER_EPOCH', code: 47, retriable: false })));
      await assert.rejects(sent.promise, (err: unknown) => err instanceof TributaryError && err.code === 'KAFKA_FENCED' && !err.retriable);
    });
  });
});
