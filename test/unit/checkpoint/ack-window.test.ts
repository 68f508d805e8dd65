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

test('a seeded plan is the progress until a batch carries progress, and cannot move it back after', () => {
  const plan = { tables: { 'a.t': { cursor: null, rows: 0, total: null, startedAt: 'x', done: false } } };
  const later = { tables: { 'a.t': { cursor: [5], rows: 5, total: 5, startedAt: 'x', done: true } } };
  const w = new AckWindow(null, null);
  const a = w.track(p(1));
  w.seedProgress(plan);
  w.ack(a);
  assert.equal(w.progress, plan);
  const b = w.track(null, later);
  w.seedProgress(plan);
  w.ack(b);
  assert.equal(w.progress, later);
  w.seedProgress(plan);
  assert.equal(w.progress, later);
});
