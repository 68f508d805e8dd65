import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enumMembers } from '../../../../src/source/schema/enum-members.js';

test('ENUM and SET members in definition order, case kept, doubled quotes undone', () => {
  assert.deepEqual(enumMembers("enum('a','B','é')"), ['a', 'B', 'é']);
  assert.deepEqual(enumMembers("set('it''s','','x,y')"), ["it's", '', 'x,y']);
  assert.deepEqual(enumMembers("enum('''')"), ["'"]);
  assert.deepEqual(enumMembers('int(11)'), []);
  assert.deepEqual(enumMembers(''), []);
});
