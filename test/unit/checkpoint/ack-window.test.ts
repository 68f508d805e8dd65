import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AckWindow } from '../../../src/checkpoint/ack-window.js';

const p = (n: number) => ({ gtid: `0-1-${n}`, file: 'binlog.000001', pos: n });

test('the committed position only moves over a contiguous acked prefix', () => {
  const w = new AckWindow(p(0));
  const a = w.track(null); // first half of a large transaction
  const b = w.track(p(1));
  const c = w.track(p(2));
  w.ack(c);
  assert.deepEqual(w.committed, p(0), 'a later ack must not jump over unacked batches');
  w.ack(b);
  assert.deepEqual(w.committed, p(0), 'b is acked but a, before it, is not');
  w.ack(a);
  assert.deepEqual(w.committed, p(2));
  assert.equal(w.outstanding, 0);
});

test('a batch without a commit never becomes the committed position', () => {
  const w = new AckWindow(null);
  const a = w.track(null);
  w.ack(a);
  assert.equal(w.committed, null);
  const b = w.track(p(5));
  w.ack(b);
  assert.deepEqual(w.committed, p(5));
});

test('acking twice or an unknown ticket changes nothing', () => {
  const w = new AckWindow(null);
  const a = w.track(p(1));
  w.ack(a);
  w.ack(a);
  w.ack(42);
  assert.deepEqual(w.committed, p(1));
});
