import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toAvroFieldNames, toAvroName, toAvroNamespace } from '../../../src/encode/avro-name.js';

test('toAvroName keeps valid names and repairs invalid ones', () => {
  assert.equal(toAvroName('order_id'), 'order_id');
  assert.equal(toAvroName('order-id'), 'order_id');
  assert.equal(toAvroName('unit price €'), 'unit_price__');
  assert.equal(toAvroName('2fa'), '_2fa');
  assert.equal(toAvroName(''), '_');
});

test('toAvroNamespace sanitizes each dotted part and drops empty ones', () => {
  assert.equal(toAvroNamespace(['cdc.prod', 'my-shop', '2024_orders']), 'cdc.prod.my_shop._2024_orders');
  assert.equal(toAvroNamespace(['', 'shop', 'orders']), 'shop.orders');
});

test('toAvroFieldNames keeps valid names, and sanitized names never collide', () => {
  assert.deepEqual(toAvroFieldNames(['a-b', 'a_b', 'a b', 'id']), ['a_b_2', 'a_b', 'a_b_3', 'id']);
  assert.deepEqual(toAvroFieldNames(['x.1', 'x_1_2', 'x#1']), ['x_1', 'x_1_2', 'x_1_3']);
});
