/** KeyPartitioner picks the partition kafkajs's default (murmur2, the Java client's) picks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { KeyPartitioner } from '../../../src/sink/key-partitioner.js';

function partitions(n: number): PartitionMetadata[] {
  return Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
}

test('same partition as the default murmur2 partitioner, for one and for many partitions', () => {
  const ours = KeyPartitioner();
  const theirs = Partitioners.DefaultPartitioner();
  const seen = new Set<number>();
  for (const n of [1, 3, 12]) {
    const partitionMetadata = partitions(n);
    for (let i = 0; i < 500; i++) {
      const message = { key: Buffer.from(`key-${i}`), value: null };
      const p = ours({ topic: 't', partitionMetadata, message });
      assert.equal(p, theirs({ topic: 't', partitionMetadata, message }), `key-${i} of ${n} partitions`);
      if (n === 12) seen.add(p);
    }
  }
  assert.equal(seen.size, 12, 'keys spread over every partition of 12');
});
