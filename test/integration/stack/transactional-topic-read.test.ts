/**
 * The tests' topic reader (test/support/topic-reader.ts) must read a topic written with
 * Kafka transactions to its end: there the last offsets are commit or abort markers, which
 * a read_committed consumer never receives as messages, so waiting for the message at the
 * high watermark waited until the timeout. Committed messages come in order; aborted ones
 * are not read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTopics } from '../../support/topic-reader.js';
import { deleteTopics, testKafka, uniqueName } from '../../support/stack.js';
import { waitFor } from '../../support/pipeline-harness.js';

test('readTopics reads a transactional topic to its end: committed messages only, in order, no wait for the markers', async (t) => {
  const kafka = testKafka();
  const topic = uniqueName('t_txnread');
  const admin = kafka.admin();
  // A failed assertion must not leave the admin connected: the open socket keeps the test file from exiting.
  t.after(async () => {
    await admin.disconnect();
    await deleteTopics(kafka, topic);
  });
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
  const producer = kafka.producer({ transactionalId: topic, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const n of [0, 1, 2]) {
      const tx = await producer.transaction();
      await tx.send({ topic, messages: [{ value: `tx${n}-a` }, { value: `tx${n}-b` }] });
      await tx.commit();
    }
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'aborted' }] });
    await aborted.abort();
  } finally {
    await producer.disconnect();
  }
  // Seven messages and four markers: the topic ends with the abort marker. The coordinator
  // writes markers after commit()/abort() return, so the end is awaited, not read once.
  let high = '';
  await waitFor(async () => (high = (await admin.fetchTopicOffsets(topic))[0]!.high) === '11', 10_000, () => `high watermark ${high}, not 11`);

  const started = Date.now();
  const records = await readTopics(kafka, [topic], 10_000);
  assert.deepEqual(
    records.map((r) => `${r.offset}:${r.value}`),
    ['0:tx0-a', '1:tx0-b', '3:tx1-a', '4:tx1-b', '6:tx2-a', '7:tx2-b'],
  );
  assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms: it waited for a message at the high watermark`);
});
