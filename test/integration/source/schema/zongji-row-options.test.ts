import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type mysql from 'mysql2/promise';
import { TributaryError } from '../../../../src/errors/tributary-error.js';
import { adminConnection, BinlogReader, randomSuffix } from './binlog-zongji-harness.js';

// What zongji does WITHOUT ZONGJI_ROW_OPTIONS, and that RowDecoder neither loses data nor
// crashes on it silently: a zero DATETIME arrives as Invalid Date (-> null + warning), a
// real DATETIME(6) as a millisecond Date (-> refused with a fix naming the options).
const db = `t_schema_opts_${randomSuffix()}`;
let admin: mysql.Connection;
let reader: BinlogReader;

before(async () => {
  admin = await adminConnection();
  await admin.query(`CREATE DATABASE ${db}`);
  await admin.query(`CREATE TABLE ${db}.t (id INT PRIMARY KEY, dtm DATETIME(6) NOT NULL)`);
  reader = new BinlogReader(db, {});
  await reader.start();
});

after(async () => {
  await reader?.stop();
  await admin?.query(`DROP DATABASE IF EXISTS ${db}`);
  await admin?.end();
});

test('without dateStrings: zero DATETIME is Invalid Date -> null; a real one is refused, not truncated', async () => {
  await admin.query(`SET SESSION sql_mode = ''`);
  await admin.query(`INSERT INTO ${db}.t VALUES (1, '0000-00-00 00:00:00')`);
  const [first] = await reader.waitForRows(1);
  assert.ok(first?.raw.dtm instanceof Date && Number.isNaN(first.raw.dtm.getTime()), 'zongji gives Invalid Date');
  assert.deepEqual(first.row, { id: 1, dtm: null });
  assert.equal(reader.warnings.length, 1);
  assert.match(reader.warnings[0] as string, new RegExp(`^${db}\\.t\\.dtm: zero or partial datetime Invalid Date`));

  await admin.query(`INSERT INTO ${db}.t VALUES (2, '2020-01-01 00:00:00.123456')`);
  await assert.rejects(reader.waitForRows(2, 5_000), (err: unknown) => {
    assert.ok(err instanceof TributaryError);
    assert.equal(err.code, 'BINLOG_STREAM');
    assert.match(err.message, /Date .* of datetime column .*\.t\.dtm/);
    assert.match(err.fix ?? '', /ZONGJI_ROW_OPTIONS/);
    return true;
  });
});
