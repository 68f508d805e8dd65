import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPipelineSubject, recordFullName, subjectName } from '../../../../src/encode/registry/subject-name.js';

describe('subjectName', () => {
  it('names subjects as Confluent strategies do', () => {
    assert.equal(subjectName('topic', 'shop.db.orders', 'key', 'shop.db.orders.Key'), 'shop.db.orders-key');
    assert.equal(subjectName('topic', 'shop.db.orders', 'value', 'shop.db.orders.Envelope'), 'shop.db.orders-value');
    assert.equal(subjectName('record', 'routed', 'value', 'shop.db.orders.Envelope'), 'shop.db.orders.Envelope');
    assert.equal(subjectName('topic_record', 'routed', 'key', 'shop.db.orders.Key'), 'routed-shop.db.orders.Key');
  });

  it('takes a full name from namespace and name, or a dotted name as it is', () => {
    assert.equal(recordFullName({ name: 'Key', namespace: 'a.b' }), 'a.b.Key');
    assert.equal(recordFullName({ name: 'x.y.Key', namespace: 'a.b' }), 'x.y.Key');
    assert.equal(recordFullName({ name: 'Key' }), 'Key');
  });
});

describe('isPipelineSubject', () => {
  const topics = new Set(['shop.db.orders', 'routed']);
  it('takes the subjects each strategy registers for the pipeline\'s topics, and no other', () => {
    const cases: [Parameters<typeof isPipelineSubject>[0], string, boolean][] = [
      ['topic', 'shop.db.orders-key', true],
      ['topic', 'shop.db.orders-value', true],
      ['topic', 'routed-value', true],
      ['topic', 'shop.db.other-value', false],
      ['topic', 'shop.db.orders-x-value', false],
      ['topic_record', 'routed-shop.db.orders.Key', true],
      ['topic_record', 'shop.db.orders-shop.db.orders.Envelope', true],
      ['topic_record', 'other-shop.db.orders.Envelope', false],
      ['topic_record', 'routed-value', false],
      ['record', 'shop.db.orders.Envelope', true],
      ['record', 'shop.db2.t.Key', true],
      ['record', 'shopx.db.t.Key', false],
      ['record', 'shop.db.orders-value', false],
    ];
    for (const [strategy, subject, want] of cases) assert.equal(isPipelineSubject(strategy, subject, topics, 'shop'), want, `${strategy} ${subject}`);
  });
});
