import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TributaryError } from '../../../../src/errors/tributary-error.js';
import { checkCursor, cursorParameter, cursorValue, rowKey } from '../../../../src/source/snapshot/key-cursor.js';

test('cursor values are JSON-safe and come back as the values the server returned', () => {
  const raw = ['18446744073709551615', -5, 1.5, Buffer.from([0, 255, 128]), new Uint8Array([7]), 12n, '', null];
  const cursor = raw.map(cursorValue);
  assert.deepEqual(cursor, [
    '18446744073709551615', -5, 1.5, { b64: 'AP+A' }, { b64: 'Bw==' }, { bigint: '12' }, '', null,
  ]);
  const parsed = JSON.parse(JSON.stringify(cursor)) as unknown[];
  assert.deepEqual(parsed.map(cursorParameter), [
    '18446744073709551615', -5, 1.5, Buffer.from([0, 255, 128]), Buffer.from([7]), 12n, '', null,
  ]);
});

test('cursor values that cannot round-trip are refused', () => {
  const isSnapshotError = (e: unknown) => e instanceof TributaryError && e.code === 'SNAPSHOT';
  assert.throws(() => cursorValue(Number.NaN), isSnapshotError);
  assert.throws(() => cursorValue(new Date(0)), isSnapshotError);
  assert.throws(() => cursorParameter({ hex: '00' }), isSnapshotError);
  assert.throws(() => cursorParameter({ bigint: '1e3' }), isSnapshotError);
  assert.throws(() => checkCursor(['a'], 2), isSnapshotError);
  assert.throws(() => checkCursor({ 0: 'a', length: 1 } as never, 1), isSnapshotError);
  checkCursor(['a', 1], 2);
});

test('rowKey: same values, same string; types and column boundaries stay apart', () => {
  const key = (row: Record<string, unknown>) => rowKey(row, ['a', 'b']);
  assert.equal(key({ a: 1, b: 'x', other: 'ignored' }), '["n1","sx"]');
  assert.equal(key({ a: 1, b: 'x' }), key({ b: 'x', a: 1, c: 2 }));
  assert.equal(key({ a: Buffer.from([1, 2]), b: 5n }), '["x0102","i5"]');
  assert.equal(key({ a: new Uint8Array([1, 2]), b: 5n }), key({ a: Buffer.from([1, 2]), b: 5n }));
  assert.equal(key({ a: true, b: null }), '["t",null]');
  assert.notEqual(key({ a: 1, b: 'x' }), key({ a: 1n, b: 'x' }));
  assert.notEqual(key({ a: '1', b: 'x' }), key({ a: 1, b: 'x' }));
  assert.notEqual(key({ a: 'a","sb', b: 'c' }), key({ a: 'a', b: 'b","sc' }));
  // Exact, not collation equality: see rowKey's comment.
  assert.notEqual(key({ a: 'a', b: 'x' }), key({ a: 'A', b: 'x' }));
  assert.notEqual(key({ a: 'a', b: 'x' }), key({ a: 'a ', b: 'x' }));
});

test('rowKey refuses values that are not Avro physical values', () => {
  assert.throws(() => rowKey({ a: undefined }, ['a']), (e: unknown) => e instanceof TributaryError);
  assert.throws(() => rowKey({ a: new Date(0) }, ['a']), (e: unknown) => e instanceof TributaryError);
});
