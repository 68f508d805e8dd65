/**
 * MySQL's four gtid_mode values, walked through online on one server of the test's own
 * (OFF -> OFF_PERMISSIVE -> ON_PERMISSIVE -> ON, and back down to ON_PERMISSIVE), with the
 * pipeline stopped and restarted from its checkpoint at every step. Only ON guarantees
 * every transaction a GTID, so only there are positions GTID sets; in the other modes the
 * pipeline says so and uses file and offset. A checkpoint from each mode resumes in the next
 * (the switch up from file and offset, the switch down from a GTID set, where resuming by
 * GTID would fail at the first anonymous transaction), and every row arrives once, in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type mysql from 'mysql2/promise';
import { ON_MYSQL, testKafka, deleteTopics } from '../../../support/stack.js';
import { runPipeline, testPipelineConfig, waitFor } from '../../../support/pipeline-harness.js';
import { readPositioned } from '../../../support/topic-reader.js';
import { readCheckpointFile } from '../../../support/checkpoint-file.js';
import { DedicatedMysql, type GtidMode } from '../../../support/dedicated-mysql.js';

const REASONS: Record<GtidMode, string> = {
  OFF: 'gtid_mode=OFF: positions are file and offset, since transactions have no GTIDs',
  OFF_PERMISSIVE: 'gtid_mode=OFF_PERMISSIVE: positions are file and offset, since transactions may lack GTIDs',
  ON_PERMISSIVE: 'gtid_mode=ON_PERMISSIVE: positions are file and offset, since replicated transactions may lack GTIDs',
  ON: 'gtid_mode=ON: positions are GTID sets, since every transaction has a GTID (file and offset are kept beside them)',
};

test('each gtid_mode picks GTID sets or file and offset, says why, and a checkpoint resumes across online switches', { skip: ON_MYSQL ? false : 'gtid_mode is MySQL only (MariaDB always writes GTIDs)', timeout: 240_000 }, async (t) => {
  const server = new DedicatedMysql({ instance: 't-gtid', port: 3318, serverId: 7, gtidMode: 'OFF' });
  const kafka = testKafka();
  let admin: mysql.Connection | null = null;
  const db = `t_gtid_${Date.now().toString(36)}`;
  const cfg = testPipelineConfig({ db, source: { port: server.port }, snapshot: { mode: 'never' } });
  t.after(async () => {
    await admin?.end().catch(() => undefined);
    await deleteTopics(kafka, cfg.name);
    await server.destroy();
  });
  await server.destroy();
  await server.up();
  admin = await server.connect();
  await admin.query(`CREATE DATABASE ${db}; CREATE TABLE ${db}.t (id INT PRIMARY KEY, mode VARCHAR(20) NOT NULL)`);
  const [[{ uuid }]] = (await admin.query('SELECT @@server_uuid AS uuid')) as unknown as [[{ uuid: string }]];
  const topic = cfg.topicFor('t');
  let written = 0;
  const insert = async (mode: GtidMode, gtidNext?: string) => {
    written++;
    if (gtidNext) await admin!.query(`SET gtid_next = '${gtidNext}'`);
    await admin!.query(`INSERT INTO ${db}.t VALUES (?, ?)`, [written, mode]);
    if (gtidNext) await admin!.query("SET gtid_next = 'AUTOMATIC'");
  };
  const phase = async (mode: GtidMode, write: () => Promise<void>) => {
    const run = await runPipeline(cfg);
    try {
      const line = run.logs.find((l) => l.includes('source is mysql'));
      assert.ok(line?.includes(`INFO`) && line.includes(`(server_id 7); ${REASONS[mode]}`), `${mode}: ${run.logs.join('')}`);
      await write();
      await waitFor(async () => (await readPositioned(kafka, cfg.schemasTopic, [topic])).length >= written, 30_000, () => run.logs.join(''));
    } finally {
      await run.stop();
    }
    return run.logs;
  };
  const switchTo = async (mode: GtidMode) => {
    if (mode === 'ON_PERMISSIVE') await admin!.query('SET GLOBAL enforce_gtid_consistency = ON');
    await admin!.query(`SET GLOBAL gtid_mode = ${mode}`);
  };

  await phase('OFF', () => insert('OFF'));
  assert.equal(readCheckpointFile(cfg.checkpointPath)?.position.gtid, null);

  await switchTo('OFF_PERMISSIVE');
  await phase('OFF_PERMISSIVE', async () => {
    await insert('OFF_PERMISSIVE');
    await insert('OFF_PERMISSIVE', `${uuid}:1`);
  });
  assert.equal(readCheckpointFile(cfg.checkpointPath)?.position.gtid, null);

  await switchTo('ON_PERMISSIVE');
  await phase('ON_PERMISSIVE', async () => {
    await insert('ON_PERMISSIVE');
    await insert('ON_PERMISSIVE', 'ANONYMOUS');
  });
  assert.equal(readCheckpointFile(cfg.checkpointPath)?.position.gtid, null, 'no GTID set while anonymous transactions exist');

  // The switch up: a file-and-offset checkpoint resumes on a server now at gtid_mode=ON.
  await switchTo('ON');
  await phase('ON', () => insert('ON'));
  assert.equal(readCheckpointFile(cfg.checkpointPath)?.position.gtid, null, 'a stream resumed by file and offset keeps file and offset');

  // A first start at gtid_mode=ON takes a GTID set; its checkpoint keeps one.
  rmSync(cfg.checkpointPath);
  await phase('ON', () => insert('ON'));
  const gtidCheckpoint = readCheckpointFile(cfg.checkpointPath)?.position;
  assert.match(gtidCheckpoint?.gtid ?? '', new RegExp(`^${uuid}:1-\\d+$`));

  // The switch down: that GTID checkpoint resumes by its file and offset, past an anonymous transaction.
  await switchTo('ON_PERMISSIVE');
  const logs = await phase('ON_PERMISSIVE', async () => {
    await insert('ON_PERMISSIVE', 'ANONYMOUS');
    await insert('ON_PERMISSIVE');
  });
  assert.ok(
    logs.some((l) => l.includes(`${gtidCheckpoint!.file}:${gtidCheckpoint!.pos} (the position's GTID set is not used`)),
    logs.join(''),
  );
  assert.equal(readCheckpointFile(cfg.checkpointPath)?.position.gtid, null);

  const records = await readPositioned(kafka, cfg.schemasTopic, [topic]);
  assert.deepEqual(
    records.map((r) => [r.value?.op, r.value?.after?.id, r.value?.after?.mode]),
    [
      ['c', 1, 'OFF'],
      ['c', 2, 'OFF_PERMISSIVE'],
      ['c', 3, 'OFF_PERMISSIVE'],
      ['c', 4, 'ON_PERMISSIVE'],
      ['c', 5, 'ON_PERMISSIVE'],
      ['c', 6, 'ON'],
      ['c', 7, 'ON'],
      ['c', 8, 'ON_PERMISSIVE'],
      ['c', 9, 'ON_PERMISSIVE'],
    ],
  );
});
