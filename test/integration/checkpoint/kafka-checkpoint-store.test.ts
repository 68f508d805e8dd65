import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Checkpoint } from '../../../src/checkpoint/checkpoint.js';
import { KafkaCheckpointStore } from '../../../src/checkpoint/kafka-checkpoint-store.js';
import { TributaryError } from '../../../src/errors/tributary-error.js';
import { readTopics } from '../../support/topic-reader.js';

const BROKERS = ['127.0.0.1:19092'];
const suffix = () => randomBytes(4).toString('hex');

function checkpoint(pipeline: string, pos: number, snapshot?: unknown): Checkpoint {
  const cp: Checkpoint = {
    pipeline,
    position: { gtid: `0-1-${pos}`, file: 'mariadb-bin.000007', pos },
    updatedAt: '2025-05-06T07:08:09.010Z',
  };
  if (snapshot !== undefined) cp.snapshot = snapshot;
  return cp;
}

describe('KafkaCheckpointStore (Kafka at 127.0.0.1:19092)', () => {
  const kafka = new Kafka({ clientId: 'tributary-test', brokers: BROKERS, logLevel: logLevel.NOTHING });
  let admin: Admin;
  const topics: string[] = [];
  const topic = () => {
    const name = `t_checkpoint_${suffix()}`;
    topics.push(name);
    return name;
  };

  before(async () => {
    admin = kafka.admin();
    await admin.connect();
  });
  after(async () => {
    const existing = new Set(await admin.listTopics());
    const ours = topics.filter((t) => existing.has(t));
    if (ours.length > 0) await admin.deleteTopics({ topics: ours });
    await admin.disconnect();
  });

  it('creates a compacted one-partition topic and loads null from it', async () => {
    const t = topic();
    const store = new KafkaCheckpointStore({ kafka: BROKERS, topic: t, pipeline: 'shop' });
    try {
      assert.equal(await store.load(), null);
      const meta = await admin.fetchTopicMetadata({ topics: [t] });
      assert.equal(meta.topics[0]?.partitions.length, 1);
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2 /* ConfigResourceTypes.TOPIC, not a named ESM export of kafkajs */, name: t, configNames: ['cleanup.policy'] }],
      });
      assert.equal(configs.resources[0]?.configEntries[0]?.configValue, 'compact');
    } finally {
      await store.close();
    }
  });

  it('round-trips the newest checkpoint, also for a restarted process, quickly and without leftover groups', async () => {
    const t = topic();
    const pipeline = `p_${suffix()}`;
    const store = new KafkaCheckpointStore({ kafka, topic: t, pipeline });
    try {
      await store.save(checkpoint(pipeline, 100));
      await store.save(checkpoint(pipeline, 200, { tables: { 'shop.orders': { lastKey: [3] } } }));
      assert.deepEqual(await store.load(), checkpoint(pipeline, 200, { tables: { 'shop.orders': { lastKey: [3] } } }));
      await store.save(checkpoint(pipeline, 300));
    } finally {
      await store.close();
    }
    const restarted = new KafkaCheckpointStore({ kafka: BROKERS, topic: t, pipeline });
    try {
      const started = Date.now();
      assert.deepEqual(await restarted.load(), checkpoint(pipeline, 300));
      const took = Date.now() - started;
      assert.ok(took < 5000, `load took ${took} ms`);
    } finally {
      await restarted.close();
    }
    const offsets = await admin.fetchTopicOffsets(t);
    assert.deepEqual(
      offsets.map((o) => [o.partition, o.high]),
      [[0, '3']],
    );
    const { groups } = await admin.listGroups();
    assert.deepEqual(
      groups.filter((g) => g.groupId.includes(pipeline)),
      [],
    );
  });

  it('keeps pipelines sharing a topic apart', async () => {
    const t = topic();
    const a = new KafkaCheckpointStore({ kafka, topic: t, pipeline: 'alpha' });
    const b = new KafkaCheckpointStore({ kafka, topic: t, pipeline: 'beta' });
    const c = new KafkaCheckpointStore({ kafka, topic: t, pipeline: 'gamma' });
    try {
      await a.save(checkpoint('alpha', 1));
      await b.save(checkpoint('beta', 2));
      await a.save(checkpoint('alpha', 3));
      assert.deepEqual(await a.load(), checkpoint('alpha', 3));
      assert.deepEqual(await b.load(), checkpoint('beta', 2));
      assert.equal(await c.load(), null);
      await assert.rejects(a.save(checkpoint('beta', 4)), { code: 'CHECKPOINT_WRITE' });
      assert.deepEqual(await b.load(), checkpoint('beta', 2));
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('treats a tombstone for the pipeline as no checkpoint', async () => {
    const t = topic();
    const store = new KafkaCheckpointStore({ kafka, topic: t, pipeline: 'shop' });
    const producer = kafka.producer();
    try {
      await store.save(checkpoint('shop', 1));
      await producer.connect();
      await producer.send({ topic: t, acks: -1, messages: [{ key: 'shop', value: null }] });
      assert.equal(await store.load(), null);
    } finally {
      await producer.disconnect();
      await store.close();
    }
  });

  it("clears with a tombstone under the pipeline's key, leaving other pipelines on the topic alone", async () => {
    const t = topic();
    const store = new KafkaCheckpointStore({ kafka, topic: t, pipeline: 'shop' });
    const neighbour = new KafkaCheckpointStore({ kafka, topic: t, pipeline: 'billing' });
    try {
      await store.save(checkpoint('shop', 11));
      await neighbour.save(checkpoint('billing', 22));
      await store.clear();
      assert.equal(await store.load(), null);
      assert.deepEqual(await neighbour.load(), checkpoint('billing', 22));
      // The pipeline can checkpoint again afterwards.
      await store.save(checkpoint('shop', 33));
      assert.deepEqual(await store.load(), checkpoint('shop', 33));
      await store.clear();
    } finally {
      await Promise.all([store.close(), neighbour.close()]);
    }
    const records = (await readTopics(kafka, [t])).map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null]);
    assert.deepEqual(records, [
      ['shop', JSON.stringify(checkpoint('shop', 11))],
      ['billing', JSON.stringify(checkpoint('billing', 22))],
      ['shop', null],
      ['shop', JSON.stringify(checkpoint('shop', 33))],
      ['shop', null],
    ]);
    const restarted = new KafkaCheckpointStore({ kafka: BROKERS, topic: t, pipeline: 'shop' });
    try {
      assert.equal(await restarted.load(), null);
    } finally {
      await restarted.close();
    }
    await assert.rejects(store.clear(), { code: 'CHECKPOINT_WRITE', message: /is closed$/ });
  });

  it('clears a damaged checkpoint message', async () => {
    const t = topic();
    const producer = kafka.producer();
    const store = new KafkaCheckpointStore({ kafka, topic: t, pipeline: 'shop' });
    try {
      // The store creates the topic compacted; the producer would auto-create it with delete.
      assert.equal(await store.load(), null);
      await producer.connect();
      await producer.send({ topic: t, acks: -1, messages: [{ key: 'shop', value: 'not json' }] });
      await assert.rejects(store.load(), { code: 'CHECKPOINT_READ' });
      await store.clear();
      assert.equal(await store.load(), null);
    } finally {
      await producer.disconnect();
      await store.close();
    }
  });

  it('refuses to clear on a topic that is not compacted, producing nothing', async () => {
    const t = topic();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: t, numPartitions: 1, replicationFactor: 1 }] });
    const store = new KafkaCheckpointStore({ kafka, topic: t, pipeline: 'shop' });
    try {
      await assert.rejects(store.clear(), { code: 'CHECKPOINT_WRITE', retriable: false });
      assert.equal((await admin.fetchTopicOffsets(t))[0]?.high, '0');
    } finally {
      await store.close();
    }
  });

  it('refuses a damaged checkpoint message', async () => {
    const t = topic();
    const producer = kafka.producer();
    const store = new KafkaCheckpointStore({ kafka, topic: t, pipeline: 'shop' });
    try {
      assert.equal(await store.load(), null);
      await producer.connect();
      await producer.send({ topic: t, acks: -1, messages: [{ key: 'shop', value: '{"pipeline":"shop"}' }] });
      await assert.rejects(store.load(), (err: unknown) => {
        assert.ok(err instanceof TributaryError);
        assert.equal(err.code, 'CHECKPOINT_READ');
        assert.equal(err.retriable, false);
        assert.equal(err.message.startsWith(`checkpoint in Kafka topic ${t} is damaged: it does not have the checkpoint shape (position: `), true);
        return true;
      });
    } finally {
      await producer.disconnect();
      await store.close();
    }
  });

  it('refuses an existing topic that is not compacted', async () => {
    const t = topic();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: t, numPartitions: 1, replicationFactor: 1 }] });
    const store = new KafkaCheckpointStore({ kafka, topic: t, pipeline: 'shop' });
    try {
      await assert.rejects(store.load(), { code: 'CHECKPOINT_READ', retriable: false });
      await assert.rejects(store.save(checkpoint('shop', 1)), (err: unknown) => {
        assert.ok(err instanceof TributaryError);
        assert.equal(err.code, 'CHECKPOINT_WRITE');
        assert.equal(err.retriable, false);
        assert.equal(err.message, `checkpoint topic ${t} has cleanup.policy=delete, so its records expire`);
        assert.match(err.fix ?? '', /cleanup\.policy=compact/);
        return true;
      });
      const offsets = await admin.fetchTopicOffsets(t);
      assert.equal(offsets[0]?.high, '0');
    } finally {
      await store.close();
    }
  });

  it('reports unreachable brokers as retriable', async () => {
    const unreachable = new Kafka({
      clientId: 'tributary-test',
      brokers: ['127.0.0.1:1'],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 500,
      retry: { retries: 0 },
    });
    const store = new KafkaCheckpointStore({ kafka: unreachable, topic: topic(), pipeline: 'shop' });
    try {
      await assert.rejects(store.load(), (err: unknown) => {
        assert.ok(err instanceof TributaryError);
        assert.equal(err.code, 'CHECKPOINT_READ');
        assert.equal(err.retriable, true);
        return true;
      });
    } finally {
      await store.close();
    }
  });

  it('closes twice safely and refuses to save after close', async () => {
    const t = topic();
    const store = new KafkaCheckpointStore({ kafka: BROKERS, topic: t, pipeline: 'shop' });
    await store.save(checkpoint('shop', 1));
    await store.close();
    await store.close();
    await assert.rejects(store.save(checkpoint('shop', 2)), { code: 'CHECKPOINT_WRITE' });
    assert.equal((await admin.fetchTopicOffsets(t))[0]?.high, '1');
  });
});
