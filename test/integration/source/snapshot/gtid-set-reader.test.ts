/**
 * GtidSetReader on the real server: the set it reads holds a transaction that has
 * committed, in the server's own GTID format, on a connection of the pipeline's user.
 * On MariaDB it is a consistent snapshot's binlog position, not gtid_binlog_pos
 * (which takes a transaction before its commit is visible).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GtidSetReader } from '../../../../src/source/snapshot/gtid-set-reader.js';
import { ExecutedGtids } from '../../../../src/source/snapshot/executed-gtids.js';
import { BINLOG_END_GTID_SQL, ownDatabase, PIPELINE_USER } from '../../../support/stack.js';
import { lastGtid } from '../../../support/last-gtid.js';

test('the executed set read for GTID watermarks holds every committed transaction, and equals the binlog end when idle', async (t) => {
  const db = await ownDatabase('t_gtidset');
  const reader = new GtidSetReader(PIPELINE_USER);
  t.after(async () => {
    await reader.close();
    await reader.close();
    await db.drop();
  });
  await db.conn.query('CREATE TABLE t (id INT PRIMARY KEY)');
  for (let i = 1; i <= 3; i++) {
    await db.conn.query(`INSERT INTO t VALUES (${i})`);
    const committed = await lastGtid(db.conn);
    const read = ExecutedGtids.parse(await reader.read());
    assert.ok(read.contains(committed), `${committed} committed, but the set read is ${read.toString()}`);
  }
  // Nothing else writes to this server meanwhile in the suite (tests run one at a time).
  const [rows] = await db.conn.query(BINLOG_END_GTID_SQL);
  const end = String((rows as { p: string }[])[0]!.p).replace(/\s/g, '');
  assert.ok(ExecutedGtids.parse(await reader.read()).covers(ExecutedGtids.parse(end)), 'the set read covers the binlog end once everything committed');
  await reader.close();
  await assert.rejects(reader.read(), /closed/);
});
