import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mysqlError } from '../../../src/source/mysql-error.js';

const where = '127.0.0.1:3307';

test('a replica kicked by another with its server_id (MariaDB 4052) is a replica conflict, not retriable', () => {
  // What MariaDB 10.11 sends the older connection, as mysql2 reports it.
  const err = mysqlError(
    {
      code: 'ER_INVALID_MFA_PLUGIN_SPECIFIED',
      errno: 4052,
      message: "A slave with the same server_uuid/server_id is already connected; the first event 'binlog.000005' at 4392, the last event read from 'binlog.000005' at 8055, the last byte read from 'binlog.000005' at 8086.",
    },
    'stream the binlog',
    where,
  );
  assert.equal(err.code, 'MYSQL_REPLICA_CONFLICT');
  assert.equal(err.retriable, false);
  assert.match(err.message, /^MySQL at 127\.0\.0\.1:3307 dropped this pipeline's binlog connection: another replica connected with the same \[source\] server_id/);
  assert.match(err.fix ?? '', /its own \[source\] server_id/);
});

test('MySQL reports the same conflict as errno 1236; it is not a purged position', () => {
  const err = mysqlError(
    {
      code: 'ER_MASTER_FATAL_ERROR_READING_BINLOG',
      errno: 1236,
      message: "A slave with the same server_uuid/server_id as this slave has connected to the master; the first event 'binlog.000001' at 4, the last event read from 'binlog.000001' at 126, the last byte read from 'binlog.000001' at 126.",
    },
    'stream the binlog',
    where,
  );
  assert.equal(err.code, 'MYSQL_REPLICA_CONFLICT');
  assert.equal(err.retriable, false);
});

test('a purged position under errno 1236 stays MYSQL_POSITION_PURGED', () => {
  for (const message of [
    'Could not find first log file name in binary log index file',
    "Error: connecting slave requested to start from GTID 0-1-99999, which is not in the master's binlog",
    'The slave is connecting using CHANGE MASTER TO MASTER_AUTO_POSITION = 1, but the master has purged binary logs containing GTIDs that the slave requires.',
  ]) {
    const err = mysqlError({ code: 'ER_MASTER_FATAL_ERROR_READING_BINLOG', errno: 1236, message }, 'stream the binlog', where);
    assert.equal(err.code, 'MYSQL_POSITION_PURGED', message);
    assert.equal(err.retriable, false);
  }
});

test('a lost connection stays retriable MYSQL_CONNECT', () => {
  const err = mysqlError({ code: 'PROTOCOL_CONNECTION_LOST', message: 'Connection lost: The server closed the connection.' }, 'stream the binlog', where);
  assert.equal(err.code, 'MYSQL_CONNECT');
  assert.equal(err.retriable, true);
});
