import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TableFilter } from '../../../src/route/table-filter.js';

test('include and exclude globs decide, exclude wins', () => {
  const f = new TableFilter(['shop.*', 'hr.people'], ['shop.tmp_*']);
  assert.equal(f.includes('shop', 'orders'), true);
  assert.equal(f.includes('shop', 'tmp_1'), false);
  assert.equal(f.includes('hr', 'people'), true);
  assert.equal(f.includes('hr', 'salaries'), false);
});

test('? matches one character and regex characters are literal', () => {
  const f = new TableFilter(['a.t?', 'b.x.y+']);
  assert.equal(f.includes('a', 't1'), true);
  assert.equal(f.includes('a', 't12'), false);
  assert.equal(f.includes('b', 'x.y+'), true);
  assert.equal(f.includes('b', 'xxy'), false);
});

test('system schemas are never published, even with *.*', () => {
  const f = new TableFilter(['*.*']);
  for (const db of ['mysql', 'information_schema', 'performance_schema', 'sys', '_tributary']) {
    assert.equal(f.includes(db, 'anything'), false, db);
  }
  assert.equal(f.includes('app', 'anything'), true);
});
