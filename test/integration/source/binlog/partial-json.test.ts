/**
 * binlog_row_value_options = PARTIAL_JSON makes MySQL log an UPDATE that changes a JSON
 * column through JSON_SET/JSON_REPLACE/JSON_REMOVE as a PARTIAL_UPDATE_ROWS_EVENT: the
 * after-image holds a diff, not the document. zongji cannot decode it (it skips the event),
 * so Tributary must stop before that transaction with a clear error instead of publishing
 * a row without its update, and must refuse a server whose global default is PARTIAL_JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ON_MYSQL, adminConnection, deleteTopics, ownDatabase, testKafka } from '../../../support/stack.js';
import { runPipeline, testPipelineConfig, waitFor } from '../../../support/pipeline-harness.js';
import { readPositioned } from '../../../support/topic-reader.js';
import { readCheckpointFile } from '../../../support/checkpoint-file.js';
import { DedicatedMysql } from '../../../support/dedicated-mysql.js';
import { checkServer } from '../../../../src/source/binlog/server-check.js';
import { TributaryError } from '../../../../src/errors/tributary-error.js';
import { lastGtid } from '../../../support/last-gtid.js';

/** Whether a MySQL GTID set (`uuid:1-5:7,uuid2:1-3`) holds one GTID (`uuid:6`). */
function gtidSetHas(set: string, gtid: string): boolean {
  const [uuid, seq] = gtid.split(':');
  const n = Number(seq);
  for (const part of set.split(',')) {
    const [u, ...ranges] = part.split(':');
    if (u !== uuid) continue;
    for (const r of ranges) {
      const [lo, hi] = r.split('-').map(Number);
      if (n >= lo! && n <= (hi ?? lo!)) return true;
    }
  }
  return false;
}

const skip = ON_MYSQL ? false : 'binlog_row_value_options is MySQL only';

test('a partial JSON update from a PARTIAL_JSON session stops the pipeline before its transaction, with the fix', { skip, timeout: 90_000 }, async (t) => {
  const db = await ownDatabase('t_partial');
  const kafka = testKafka();
  const cfg = testPipelineConfig({ db: db.name, snapshot: { mode: 'never' } });
  const session = await adminConnection(db.name);
  t.after(async () => {
    await session.end();
    await deleteTopics(kafka, cfg.name);
    await db.drop();
  });
  await db.conn.query('CREATE TABLE j (id INT PRIMARY KEY, doc JSON NOT NULL, n INT NOT NULL)');
  const run = await runPipeline(cfg);
  const topic = cfg.topicFor('j');
  await db.conn.query(`INSERT INTO j VALUES (1, '{"a": 1, "b": [1, 2, 3]}', 0)`);
  await waitFor(async () => (await readPositioned(kafka, cfg.schemasTopic, [topic])).length === 1, 30_000, () => run.logs.join(''));

  await session.query('SET SESSION binlog_row_value_options = PARTIAL_JSON');
  await session.query(`UPDATE j SET doc = JSON_SET(doc, '$.a', 2), n = 1 WHERE id = 1`);
  const partialGtid = await lastGtid(session);
  await session.query(`UPDATE j SET doc = JSON_REMOVE(doc, '$.b[0]'), n = 2 WHERE id = 1`);
  // A later ordinary transaction must not be published past the skipped one either.
  await db.conn.query(`INSERT INTO j VALUES (2, '{}', 0)`);

  const failure = await run.done.then(
    () => null,
    (err: unknown) => err,
  );
  assert.ok(failure instanceof TributaryError, `the pipeline must fail, got ${String(failure)}:\n${run.logs.join('')}`);
  assert.equal(failure.code, 'BINLOG_UNSUPPORTED_EVENT');
  assert.match(failure.message, /partial JSON update \(PARTIAL_UPDATE_ROWS_EVENT, binlog_row_value_options = PARTIAL_JSON\)/);
  assert.match(failure.fix ?? '', /^SET GLOBAL binlog_row_value_options = ''/);
  assert.equal(failure.retriable, false);

  const records = await readPositioned(kafka, cfg.schemasTopic, [topic]);
  assert.deepEqual(
    records.map((r) => [r.value?.op, r.value?.after?.id, r.value?.after?.n]),
    [['c', 1, 0]],
    'nothing after the partial update is published',
  );
  // Other tests' transactions on the shared server move it too, but never past this one.
  const saved = readCheckpointFile(cfg.checkpointPath)!.position.gtid!;
  assert.equal(gtidSetHas(saved, partialGtid), false, `the checkpoint ${saved} stays before the partial update ${partialGtid}`);

});

test('a server whose global binlog_row_value_options is PARTIAL_JSON is refused at start, with the fix', { skip, timeout: 90_000 }, async (t) => {
  const server = new DedicatedMysql({ instance: 't-partial', port: 3319, serverId: 8, extraArgs: '--binlog-row-value-options=PARTIAL_JSON' });
  t.after(() => server.destroy());
  await server.destroy();
  await server.up();
  const failure = await checkServer({ host: '127.0.0.1', port: server.port, user: 'tributary', password: 'tributary' }).then(
    () => null,
    (err: unknown) => err,
  );
  assert.ok(failure instanceof TributaryError, String(failure));
  assert.equal(failure.code, 'MYSQL_SERVER_SETTING');
  assert.equal(
    failure.message,
    'MySQL at 127.0.0.1:3319 has binlog_row_value_options = PARTIAL_JSON: an UPDATE of a JSON column by JSON_SET/JSON_REPLACE/JSON_REMOVE is then logged as a diff, without the after-image Tributary must publish',
  );
  assert.match(failure.fix ?? '', /^SET GLOBAL binlog_row_value_options = '' and binlog_row_value_options = '' in \[mysqld\]/);

  const admin = await server.connect();
  await admin.query("SET GLOBAL binlog_row_value_options = ''");
  await admin.end();
  const info = await checkServer({ host: '127.0.0.1', port: server.port, user: 'tributary', password: 'tributary' });
  assert.equal(info.gtid, true);
});
