/**
 * TableDefinitionReader against the real server: a definition is read only once the DDL
 * that prompted it has released its metadata lock (MySQL binlogs a DDL before its data
 * dictionary commits; pipeline/schema-changes.test.ts runs that race), a table that is
 * gone is null, and the [[columns]] rules leave out what is not published.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PIPELINE_USER, adminConnection, ownDatabase } from '../../../support/stack.js';
import { waitFor } from '../../../support/pipeline-harness.js';
import { TableDefinitionReader } from '../../../../src/source/schema/table-definition-reader.js';

test('a definition read waits for the metadata lock of a DDL still in progress, then shows the table after it', { timeout: 60_000 }, async (t) => {
  const db = await ownDatabase('t_defread');
  const reader = new TableDefinitionReader(PIPELINE_USER);
  const locker = await adminConnection(db.name);
  t.after(async () => {
    await locker.end().catch(() => undefined);
    await reader.close();
    await db.drop();
  });
  await db.conn.query('CREATE TABLE d (id INT PRIMARY KEY, v VARCHAR(10) NOT NULL)');
  // LOCK TABLES ... WRITE stands in for a DDL between its binlog write and its commit: both
  // hold a lock that opening the table must wait for.
  await locker.query('LOCK TABLES d WRITE');
  await locker.query('ALTER TABLE d ADD COLUMN n INT NULL');
  let settled = false;
  const read = reader.read(db.name, 'd').finally(() => (settled = true));
  await waitFor(async () => {
    const [rows] = (await db.conn.query(
      "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ? AND STATE = 'Waiting for table metadata lock' AND INFO LIKE ?",
      [PIPELINE_USER.user, `%${db.name}%`],
    )) as unknown as [[{ n: number }]];
    return Number(rows[0].n) === 1;
  }, 20_000, () => 'the read never waited for the lock');
  assert.equal(settled, false, 'the read returned while the table was locked');
  await locker.query('ALTER TABLE d ADD COLUMN m INT NOT NULL DEFAULT 0');
  await locker.query('UNLOCK TABLES');
  // Read after the lock: both ALTERs under the lock show (the later one shows through, as documented).
  const int = await intType(db.conn);
  assert.deepEqual(await read, {
    columns: [
      { name: 'id', type: int, nullable: false },
      { name: 'v', type: 'varchar(10)', nullable: false },
      { name: 'n', type: int, nullable: true },
      { name: 'm', type: int, nullable: false },
    ],
    primaryKey: ['id'],
  });
});

test('a table gone before its definition is read, or a view that cannot be opened, is null; a view is read from information_schema', { timeout: 60_000 }, async (t) => {
  const db = await ownDatabase('t_defgone');
  const reader = new TableDefinitionReader(PIPELINE_USER);
  t.after(async () => {
    await reader.close();
    await db.drop();
  });
  assert.equal(await reader.read(db.name, 'never_made'), null);
  await db.conn.query('CREATE TABLE base (id INT PRIMARY KEY)');
  await db.conn.query('CREATE VIEW w AS SELECT id FROM base');
  await db.conn.query('DROP TABLE base');
  // The view cannot be opened any more (error 1356) and information_schema lists no column
  // of it either: null, as for a table that is gone, not an error that stops the pipeline.
  assert.equal(await reader.read(db.name, 'w'), null);
  await db.conn.query('CREATE TABLE base (id INT PRIMARY KEY, x INT)');
  const view = await reader.read(db.name, 'w');
  assert.deepEqual(view?.columns.map((c) => c.name), ['id']);
  assert.deepEqual(view?.primaryKey, []);
});

async function intType(conn: Awaited<ReturnType<typeof adminConnection>>): Promise<string> {
  const [[row]] = (await conn.query("SELECT COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'd' AND COLUMN_NAME = 'id'")) as unknown as [[{ t: string }]];
  return row.t;
}
