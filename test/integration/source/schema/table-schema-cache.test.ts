import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type mysql from 'mysql2/promise';
import { adminConnection, BinlogReader, randomSuffix } from './binlog-zongji-harness.js';

const db = `t_schema_alter_${randomSuffix()}`;
let admin: mysql.Connection;
let reader: BinlogReader;

before(async () => {
  admin = await adminConnection();
  await admin.query(`CREATE DATABASE ${db}`);
  await admin.query(`CREATE TABLE ${db}.t (id INT PRIMARY KEY, a INT)`);
  await admin.query(`CREATE TABLE ${db}.other (k VARCHAR(10) NOT NULL, n INT NOT NULL, PRIMARY KEY (n, k))`);
  reader = new BinlogReader(db);
  await reader.start();
});

after(async () => {
  await reader?.stop();
  await admin?.query(`DROP DATABASE IF EXISTS ${db}`);
  await admin?.end();
});

test('the schema object keeps its identity until an ALTER changes the layout', async () => {
  let expected = 0;
  const insert = async (sql: string) => {
    await admin.query(sql);
    expected += 1;
    const rows = await reader.waitForRows(expected);
    return rows[expected - 1] as (typeof rows)[number];
  };

  const r1 = await insert(`INSERT INTO ${db}.t VALUES (1, 10)`);
  const r2 = await insert(`INSERT INTO ${db}.t VALUES (2, 20)`);
  assert.equal(r2.schema, r1.schema, 'separate transactions, same layout: same object');
  assert.deepEqual(r1.schema.columns.map((c) => [c.name, c.nullable]), [['id', false], ['a', true]]);

  const o1 = await insert(`INSERT INTO ${db}.other VALUES ('x', 1)`);
  assert.notEqual(o1.schema, r1.schema);
  assert.deepEqual(o1.schema.primaryKey, ['n', 'k'], 'composite key in key order');

  // Not a layout change: a comment and a default.
  await admin.query(`ALTER TABLE ${db}.t COMMENT 'renamed nothing', ALTER COLUMN a SET DEFAULT 5`);
  const r3 = await insert(`INSERT INTO ${db}.t VALUES (3, 30)`);
  assert.equal(r3.schema, r1.schema, 'comment/default changes keep the object');

  await admin.query(`ALTER TABLE ${db}.t ADD COLUMN b VARCHAR(10) NOT NULL DEFAULT 'q'`);
  const r4 = await insert(`INSERT INTO ${db}.t VALUES (4, 40, 'bee')`);
  assert.notEqual(r4.schema, r1.schema, 'ADD COLUMN makes a new object');
  assert.deepEqual(r4.schema.columns.map((c) => [c.name, c.avro, c.nullable]), [
    ['id', 'int', false],
    ['a', 'int', true],
    ['b', 'string', false],
  ]);
  assert.deepEqual(r4.row, { id: 4, a: 40, b: 'bee' });
  assert.deepEqual(r1.row, { id: 1, a: 10 }, 'rows read before the ALTER keep their shape');

  const r5 = await insert(`INSERT INTO ${db}.t VALUES (5, 50, 'b5')`);
  assert.equal(r5.schema, r4.schema);

  // Nullability alone is a layout change, read from the binlog's own null bitmap.
  await admin.query(`ALTER TABLE ${db}.t MODIFY a INT NOT NULL`);
  const r6 = await insert(`INSERT INTO ${db}.t VALUES (6, 60, 'b6')`);
  assert.notEqual(r6.schema, r4.schema);
  assert.deepEqual(r6.schema.columns.map((c) => c.nullable), [false, false, false]);

  // A type change within the same family is a layout change too.
  await admin.query(`ALTER TABLE ${db}.t MODIFY a BIGINT UNSIGNED NOT NULL`);
  const r7 = await insert(`INSERT INTO ${db}.t VALUES (7, 18446744073709551615, 'b7')`);
  assert.notEqual(r7.schema, r6.schema);
  assert.deepEqual(r7.schema.columns[1], {
    name: 'a',
    sqlType: 'bigint unsigned',
    nullable: false,
    avro: {
      type: 'bytes',
      logicalType: 'decimal',
      precision: 20,
      scale: 0,
      'connect.name': 'org.apache.kafka.connect.data.Decimal',
      'connect.parameters': { 'connect.decimal.precision': '20', scale: '0' },
      'connect.version': 1,
    },
  });
  assert.equal((r7.row.a as Buffer).toString('hex'), '00ffffffffffffffff');

  assert.equal(reader.cache.get(db, 't'), r7.schema, 'get() gives the newest version');
  assert.equal(reader.cache.get(db, 'other'), o1.schema);
  assert.equal(reader.cache.get(db, 'missing'), undefined);
});
