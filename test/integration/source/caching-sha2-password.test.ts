/**
 * caching_sha2_password (MySQL's default plugin) on a first login: a user created here has
 * never logged in, and FLUSH PRIVILEGES empties the server's cache of verified passwords,
 * so every connection runs the full authentication. Over TCP without TLS that needs the
 * server's RSA public key (mysql2 asks the server for it); with TLS the password goes over
 * the encrypted channel. Every connection Tributary opens (server check, server id claim,
 * snapshot, the binlog connection) must log in that way. On a server of the test's own,
 * since FLUSH PRIVILEGES would reach every other test's sessions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { ON_MYSQL, deleteTopics, testKafka } from '../../support/stack.js';
import { runPipeline, testPipelineConfig, waitFor } from '../../support/pipeline-harness.js';
import { readPositioned } from '../../support/topic-reader.js';
import { DedicatedMysql } from '../../support/dedicated-mysql.js';
import { checkServer } from '../../../src/source/binlog/server-check.js';

test('caching_sha2_password: a never-cached user logs in with full authentication, without TLS (RSA key) and with TLS', { skip: ON_MYSQL ? false : 'caching_sha2_password is MySQL only', timeout: 120_000 }, async (t) => {
  const server = new DedicatedMysql({ instance: 't-sha2', port: 3319, serverId: 10 });
  const kafka = testKafka();
  const db = `t_sha2_${Date.now().toString(36)}`;
  const user = { user: 'fresh_sha2', password: 'S3cret-sha2!' };
  const cfg = testPipelineConfig({ db, source: { port: server.port, ...user }, snapshot: { mode: 'initial' } });
  t.after(async () => {
    await deleteTopics(kafka, cfg.name);
    await server.destroy();
  });
  await server.destroy();
  await server.up();
  const admin = await server.connect();
  await admin.query(
    `CREATE DATABASE ${db}; CREATE TABLE ${db}.t (id INT PRIMARY KEY); INSERT INTO ${db}.t VALUES (1);` +
      `CREATE USER '${user.user}'@'127.0.0.1' IDENTIFIED WITH caching_sha2_password BY '${user.password}';` +
      `GRANT SELECT, RELOAD, SHOW DATABASES, LOCK TABLES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '${user.user}'@'127.0.0.1';` +
      `GRANT ALL PRIVILEGES ON \`_tributary\`.* TO '${user.user}'@'127.0.0.1'; FLUSH PRIVILEGES`,
  );
  const [[plugin]] = (await admin.query(`SELECT plugin FROM mysql.user WHERE user = ?`, [user.user])) as unknown as [[{ plugin: string }]];
  assert.equal(plugin.plugin, 'caching_sha2_password');
  const endpoint = { host: '127.0.0.1', port: server.port, ...user };
  // The proof that a login now needs the full authentication: MySQL's own client, without
  // TLS and without asking for the server's key, is refused (and its attempt caches nothing).
  const cli = await promisify(execFile)(
    'bash',
    [new URL('../../../scripts/stack/mysql.sh', import.meta.url).pathname, 'client', `-u${user.user}`, `-p${user.password}`, '--ssl-mode=DISABLED', '-e', 'SELECT 1'],
    { env: { ...process.env, MYSQL_PORT: String(server.port) } },
  ).then(
    () => '',
    (err: { stderr?: string }) => err.stderr ?? '',
  );
  assert.match(cli, /Authentication requires secure connection/);
  try {
    // No TLS: the server check's connection is the user's first login ever.
    const info = await checkServer(endpoint);
    assert.equal(info.flavor, 'mysql');

    // With TLS: MySQL made its own certificates at initialize, so a client asking for TLS gets it.
    await admin.query('FLUSH PRIVILEGES');
    const tls = await mysql.createConnection({ ...endpoint, ssl: { rejectUnauthorized: false } });
    const [[cipher]] = (await tls.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) as unknown as [[{ Value: string }]];
    assert.match(cipher.Value, /^TLS_|^ECDHE|^AES/);
    await tls.end();

    // The whole pipeline, every connection of it after the cache was emptied again.
    await admin.query('FLUSH PRIVILEGES');
    const run = await runPipeline(cfg);
    try {
      // The snapshot runs beside the stream (watermarks): an insert before its chunk is read
      // is published as c then r, which is correct but not the order asserted below.
      await waitFor(() => run.logs.some((l) => l.includes(`snapshot of ${db}.t done`)), 30_000, () => run.logs.join(''));
      await admin.query(`INSERT INTO ${db}.t VALUES (2)`);
      let ids: unknown[] = [];
      await waitFor(async () => (ids = (await readPositioned(kafka, cfg.schemasTopic, [cfg.topicFor('t')])).map((r) => [r.value!.op, r.value!.after!.id])).length >= 2, 30_000, () => run.logs.join(''));
      assert.deepEqual(ids, [['r', 1], ['c', 2]]);
    } finally {
      await run.stop();
    }

    // A wrong password on the full-authentication path is a clear MYSQL_AUTH, not a hang or a protocol error.
    await admin.query('FLUSH PRIVILEGES');
    const wrong = await checkServer({ ...endpoint, password: 'wrong' }).then(
      () => null,
      (err: { code?: string; message?: string }) => err,
    );
    assert.equal(wrong?.code, 'MYSQL_AUTH', String(wrong?.message));
  } finally {
    await admin.end();
  }
});
