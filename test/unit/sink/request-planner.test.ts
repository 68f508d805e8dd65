/**
 * RequestPlanner's commit decision on its own: which request of a queue ends a Kafka
 * transaction. (What a request carries is covered through KafkaSink in kafka-sink.test.ts.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RequestPlanner, type PendingGroup } from '../../../src/sink/request-planner.js';
import { RecordSizeLimit } from '../../../src/sink/record-size-limit.js';
import type { CheckpointMark } from '../../../src/sink/kafka-sink.js';

const mark = (seq: number): CheckpointMark => ({ position: { gtid: `0-1-${seq}`, file: 'binlog.000001', pos: seq }, progress: null });

function group(keys: string[], seq?: number): PendingGroup {
  return {
    messages: keys.map((k) => ({ topic: 't', key: Buffer.from(k), value: Buffer.from(k) })),
    taken: 0,
    remaining: keys.length,
    barrier: false,
    mark: seq === undefined ? undefined : mark(seq),
    committed: false,
    sent: false,
    resolve: () => undefined,
    reject: () => undefined,
  };
}

function planner(commitIntervalMs: number | null, batchMaxMessages: number, now = () => 0): RequestPlanner {
  return new RequestPlanner({ batchMaxMessages, limit: new RecordSizeLimit(1_048_576, 'none'), commitIntervalMs, now });
}

const keys = (p: ReturnType<RequestPlanner['take']>) => p.topicMessages.flatMap((tm) => tm.messages.map((m) => String(m.key)));

describe('RequestPlanner', () => {
  it('never commits without transactions', () => {
    const queue = [group(['a'], 1)];
    assert.equal(planner(null, 10).take(queue).commit, null);
  });

  it('holds the commit while the rest of a marked group waits beyond the request', () => {
    const p = planner(100, 2);
    const queue = [group(['a'], 1), group(['b', 'c', 'd'], 2)];
    const first = p.take(queue);
    assert.deepEqual(keys(first), ['a', 'b']);
    assert.equal(first.commit, null, 'mark 2 waits at the end of the group taken in part');
    const second = p.take(queue);
    assert.deepEqual(keys(second), ['c', 'd']);
    assert.deepEqual(second.commit, mark(2));
  });

  it('does not hold the commit for a group without a mark: it gives no commit point', () => {
    const queue = [group(['a'], 1), group(['b', 'c'])];
    const request = planner(100, 10).take(queue);
    assert.deepEqual(keys(request), ['a'], 'cut at the last mark');
    assert.deepEqual(request.commit, mark(1));
  });

  it('never holds back a request of no messages (an empty marked send is there to commit)', () => {
    // A sent barrier that is not yet done stops the request after the empty group, with mark 2 waiting behind.
    const barrier = { ...group(['s']), barrier: true, sent: true, taken: 1 };
    const queue = [group([], 1), barrier, group(['b'], 2)];
    const request = planner(100, 10).take(queue);
    assert.equal(request.count, 0);
    assert.deepEqual(request.commit, mark(1));
  });

  it('commits at the last mark once the interval has passed since the transaction opened, then opens a new one', () => {
    let ms = 0;
    const p = planner(100, 1, () => ms);
    const queue = [group(['a'], 1), group(['b'], 2), group(['c'], 3), group(['d'], 4), group(['e'], 5)];
    assert.equal(p.take(queue).commit, null);
    ms = 99;
    assert.equal(p.take(queue).commit, null);
    ms = 100;
    assert.deepEqual(p.take(queue).commit, mark(3), 'd and e still wait, but the transaction has been open 100 ms');
    p.transactionEnded();
    assert.equal(p.take(queue).commit, null, 'the new transaction opened now');
    assert.deepEqual(p.take(queue).commit, mark(5), 'nothing waits behind e');
  });
});
