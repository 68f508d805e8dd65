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

const TABLES = [
  { db: 'shop', table: 'orders' },
  { db: 'shop', table: 'customers' },
  { db: 'crm', table: 'people' },
  { db: 'mysql', table: 'user' },
];

test('warnings: an include glob that matches no table is named, with the likely intended name', () => {
  assert.deepEqual(new TableFilter(['shpo.*', 'shop.order', 'crm.people']).warnings(TABLES), [
    'include "shpo.*" matches no existing table; did you mean "shop.*"?',
    'include "shop.order" matches no existing table; did you mean "shop.orders"?',
  ]);
});

test('warnings: with no close name, a few existing databases or tables are listed', () => {
  assert.deepEqual(new TableFilter(['billing.*', 'shop.zz*']).warnings(TABLES), [
    'include "billing.*" matches no existing table; databases: crm, shop',
    'include "shop.zz*" matches no existing table; tables in shop: customers, orders',
  ]);
});

test('warnings: system schemas count as no match, and an empty server says so', () => {
  assert.deepEqual(new TableFilter(['mysql.*']).warnings(TABLES), [
    'include "mysql.*" matches only tables of system schemas (mysql, information_schema, performance_schema, sys, _tributary), which are never published',
  ]);
  assert.deepEqual(new TableFilter(['*.*']).warnings([{ db: 'mysql', table: 'user' }]), [
    'include "*.*" matches only tables of system schemas (mysql, information_schema, performance_schema, sys, _tributary), which are never published',
  ]);
  assert.deepEqual(new TableFilter(['app.*']).warnings([]), ['include "app.*" matches no existing table (the server has no user tables)']);
});

test('warnings: excludes that leave nothing to publish', () => {
  assert.deepEqual(new TableFilter(['shop.*'], ['shop.*', 'crm.*']).warnings(TABLES), [
    'exclude ("shop.*", "crm.*") excludes every one of the 2 table(s) that include matches: the pipeline publishes nothing',
  ]);
  assert.deepEqual(new TableFilter(['*.*'], ['shop.orders']).warnings(TABLES), []);
});
