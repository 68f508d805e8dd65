import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordFullName, subjectName } from '../../../../src/encode/registry/subject-name.js';

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
