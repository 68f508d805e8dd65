import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopicRouter } from '../../../src/route/topic-router.js';

test('default topic is <prefix>.<db>.<table>', () => {
  assert.equal(new TopicRouter('shop').topicFor('sales', 'orders'), 'shop.sales.orders');
});

test('the first matching route wins', () => {
  const router = new TopicRouter('shop', [
    { match: 'sales.orders_*', topic: 'shop.orders' },
    { match: 'sales.*', topic: 'shop.sales' },
  ]);
  assert.equal(router.topicFor('sales', 'orders_2024'), 'shop.orders');
  assert.equal(router.topicFor('sales', 'customers'), 'shop.sales');
  assert.equal(router.topicFor('hr', 'people'), 'shop.hr.people');
});

test('characters Kafka does not allow in topic names become _', () => {
  assert.equal(new TopicRouter('p').topicFor('my db', 't$1'), 'p.my_db.t_1');
});
