import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keysOf, type IndexPart } from '../../../../src/source/snapshot/chunk-key.js';

/** SHOW INDEX rows: [index, unique, seq, column, nullable]. */
function parts(...rows: [string, boolean, number, string | null, boolean][]): IndexPart[] {
  return rows.map(([name, unique, seq, column, nullable]) => ({
    Key_name: name,
    Non_unique: unique ? 0 : 1,
    Seq_in_index: seq,
    Column_name: column,
    Null: nullable ? 'YES' : '',
  }));
}

test('PRIMARY is the key, in key order, whatever other indexes exist', () => {
  const keys = keysOf(
    parts(['PRIMARY', true, 2, 'a', false], ['PRIMARY', true, 1, 'b', false], ['u', true, 1, 'c', false]),
    new Set(['a', 'b']),
  );
  assert.deepEqual(keys, { primaryKey: ['b', 'a'], chunkKey: ['b', 'a'] });
});

test('without PRIMARY the index the server marks PRI (promoted) is the primary key', () => {
  const rows = parts(['z2', true, 1, 'p', false], ['z2', true, 2, 'q', false], ['a1', true, 1, 'r', false]);
  assert.deepEqual(keysOf(rows, new Set(['p', 'q'])), { primaryKey: ['p', 'q'], chunkKey: ['p', 'q'] });
});

test('unpromoted unique NOT NULL indexes: the narrowest orders chunks; nullable and non-unique ones never', () => {
  const rows = parts(
    ['wide', true, 1, 'a', false], ['wide', true, 2, 'b', false],
    ['nullable', true, 1, 'n', true],
    ['plain', false, 1, 'c', false],
    ['narrow', true, 1, 'd', false],
    ['also_narrow', true, 1, 'e', false],
    ['expr', true, 1, null, false],
  );
  assert.deepEqual(keysOf(rows, new Set()), { primaryKey: [], chunkKey: ['d'] });
  assert.deepEqual(keysOf(parts(['nullable', true, 1, 'n', true], ['plain', false, 1, 'c', false]), new Set()), {
    primaryKey: [],
    chunkKey: [],
  });
  assert.deepEqual(keysOf([], new Set()), { primaryKey: [], chunkKey: [] });
});
