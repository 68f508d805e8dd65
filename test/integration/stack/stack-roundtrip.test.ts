/**
 * Proof that the local stack is real: a row written to MariaDB comes back as a binlog
 * event through zongji, goes to a fresh Kafka topic with kafkajs, and is consumed back
 * in a consumer group.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ZongJi from '@vlasky/zongji';
import type { WriteRowsEvent } from '@vlasky/zongji';
import { ownDatabase, PIPELINE_USER, testKafka, uniqueName, uniqueServerId, deleteTopics } from '../../support/stack.js';

test('a MariaDB row travels through the binlog and a real Kafka topic', async () => {
  const db = await ownDatabase('t_stack');
  const kafka = testKafka();
  const topic = uniqueName('t_stack_topic');
  const zongji = new ZongJi({ ...PIPELINE_USER });
  try {
    await db.conn.query('CREATE TABLE greeting (id INT PRIMARY KEY, word VARCHAR(20))');

    const seen = new Promise<WriteRowsEvent>((resolve, reject) => {
      zongji.on('error', reject);
      zongji.on('binlog', (evt: { getEventName(): string }) => {
        const rows = evt as WriteRowsEvent;
        if (evt.getEventName() === 'writerows' && rows.tableMap[rows.tableId]?.parentSchema === db.name) resolve(rows);
      });
    });
    const ready = new Promise<void>((resolve) => zongji.on('ready', () => resolve()));
    zongji.start({ startAtEnd: true, serverId: uniqueServerId(), includeEvents: ['tablemap', 'writerows'] });
    await ready;
    await db.conn.query("INSERT INTO greeting VALUES (1, 'héllo 🌊')");
    const event = await seen;
    assert.deepEqual(event.rows, [{ id: 1, word: 'héllo 🌊' }]);

    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: '1', value: JSON.stringify(event.rows[0]) }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('t_stack_group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const consumed = await new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') });
    });
    await consumer.disconnect();
    assert.deepEqual(JSON.parse(consumed), { id: 1, word: 'héllo 🌊' });
  } finally {
    await new Promise<void>((resolve) => {
      zongji.once('stopped', () => resolve());
      zongji.stop();
      setTimeout(resolve, 2000).unref();
    });
    await deleteTopics(kafka, topic);
    await db.drop();
  }
});
