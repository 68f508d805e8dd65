import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import type { Checkpoint } from '../../../src/checkpoint/checkpoint.js';
import { MysqlCheckpointStore } from '../../../src/checkpoint/mysql-checkpoint-store.js';
import { TributaryError } from '../../../src/errors/tributary-error.js';

const HOST = '127.0.0.1';
const PORT = 3307;
const PIPELINE_USER = { host: HOST, port: PORT, user: 'tributary', password: 'tributary' };

const suffix = () => randomBytes(4).toString('hex');

function checkpoint(pipeline: string, pos: number, snapshot?: unknown): Checkpoint {
  const cp: Checkpoint = {
    pipeline,
    position: { gtid: `0-1-${pos}`, file: 'mariadb-bin.000003', pos },
    updatedAt: `2025-03-04T05:06:07.${String(pos % 1000).padStart(3, '0')}Z`,
  };
  if (snapshot !== undefined) cp.snapshot = snapshot;
  return cp;
}

describe('MysqlCheckpointStore (MariaDB at 127.0.0.1:3307)', () => {
  let admin: Connection;
  const pipelines: string[] = [];
  const users: string[] = [];
  const pipeline = () => {
    const name = `t_checkpoint_${suffix()}`;
    pipelines.push(name);
    return name;
  };
  const rowsFor = async (name: string) => {
    const [rows] = await admin.query<RowDataPacket[]>(
      'SELECT pipeline, position, snapshot, updated_at FROM `_tributary`.`checkpoints` WHERE pipeline = ?',
      [name],
    );
    return rows;
  };

  before(async () => {
    admin = await createConnection({ host: HOST, port: PORT, user: 'tributary_test', password: 'tributary_test', timezone: 'Z' });
  });
  after(async () => {
    if (pipelines.length > 0) {
      await admin.query('DELETE FROM `_tributary`.`checkpoints` WHERE pipeline IN (?)', [pipelines]).catch(() => undefined);
    }
    for (const user of users) await admin.query(`DROP USER IF EXISTS '${user}'@'127.0.0.1'`);
    await admin.end();
  });

  it('creates the table and loads null for a pipeline without a checkpoint', async () => {
    const store = new MysqlCheckpointStore(PIPELINE_USER, pipeline());
    try {
      assert.equal(await store.load(), null);
      const [cols] = await admin.query<RowDataPacket[]>(
        "SELECT column_name AS c FROM information_schema.columns WHERE table_schema = '_tributary' AND table_name = 'checkpoints' ORDER BY ordinal_position",
      );
      assert.deepEqual(
        cols.map((r) => r.c),
        ['pipeline', 'position', 'snapshot', 'updated_at'],
      );
    } finally {
      await store.close();
    }
  });

  it('round-trips checkpoints and upserts one row per pipeline', async () => {
    const name = pipeline();
    const store = new MysqlCheckpointStore(PIPELINE_USER, name);
    try {
      const a = checkpoint(name, 1234);
      await store.save(a);
      assert.deepEqual(await store.load(), a);
      const b = checkpoint(name, 5678, { tables: { 'shop.orders': { lastKey: [7, 'x'], done: false } } });
      await store.save(b);
      assert.deepEqual(await store.load(), b);

      const rows = await rowsFor(name);
      assert.equal(rows.length, 1);
      assert.deepEqual(JSON.parse(rows[0]?.position as string), { gtid: '0-1-5678', file: 'mariadb-bin.000003', pos: 5678 });
      assert.deepEqual(JSON.parse(rows[0]?.snapshot as string), { tables: { 'shop.orders': { lastKey: [7, 'x'], done: false } } });
      assert.equal((rows[0]?.updated_at as Date).toISOString(), '2025-03-04T05:06:07.678Z');

      // Without snapshot progress the column goes back to NULL.
      const c = checkpoint(name, 9012);
      await store.save(c);
      assert.equal((await rowsFor(name))[0]?.snapshot, null);
    } finally {
      await store.close();
    }
    // A restarted process reads what the previous one saved.
    const again = new MysqlCheckpointStore(PIPELINE_USER, name);
    try {
      assert.deepEqual(await again.load(), checkpoint(name, 9012));
    } finally {
      await again.close();
    }
  });

  it('keeps pipelines apart', async () => {
    const one = pipeline();
    const two = pipeline();
    const s1 = new MysqlCheckpointStore(PIPELINE_USER, one);
    const s2 = new MysqlCheckpointStore(PIPELINE_USER, two);
    try {
      await s1.save(checkpoint(one, 1));
      await s2.save(checkpoint(two, 2));
      assert.deepEqual(await s1.load(), checkpoint(one, 1));
      assert.deepEqual(await s2.load(), checkpoint(two, 2));
      await assert.rejects(s1.save(checkpoint(two, 3)), { code: 'CHECKPOINT_WRITE' });
      assert.deepEqual(await s2.load(), checkpoint(two, 2));
    } finally {
      await s1.close();
      await s2.close();
    }
  });

  it("clears only this pipeline's row; a later load, also of a restarted process, is null", async () => {
    const name = pipeline();
    const other = pipeline();
    const store = new MysqlCheckpointStore(PIPELINE_USER, name);
    const neighbour = new MysqlCheckpointStore(PIPELINE_USER, other);
    try {
      await store.save(checkpoint(name, 4321));
      await neighbour.save(checkpoint(other, 8765));
      await store.clear();
      assert.equal(await store.load(), null);
      assert.equal((await rowsFor(name)).length, 0);
      assert.deepEqual(await neighbour.load(), checkpoint(other, 8765));
      // Clearing again, with no row, is fine.
      await store.clear();
      // The pipeline can checkpoint again afterwards.
      await store.save(checkpoint(name, 5555));
      assert.deepEqual(await store.load(), checkpoint(name, 5555));
      await store.clear();
    } finally {
      await store.close();
      await neighbour.close();
    }
    const again = new MysqlCheckpointStore(PIPELINE_USER, name);
    try {
      assert.equal(await again.load(), null);
    } finally {
      await again.close();
    }
  });

  it('clears a damaged row', async () => {
    const name = pipeline();
    await admin.query(
      'INSERT INTO `_tributary`.`checkpoints` (pipeline, position, snapshot, updated_at) VALUES (?, ?, NULL, NOW(6))',
      [name, 'not json'],
    );
    const store = new MysqlCheckpointStore(PIPELINE_USER, name);
    try {
      await assert.rejects(store.load(), { code: 'CHECKPOINT_READ' });
      await store.clear();
      assert.equal(await store.load(), null);
    } finally {
      await store.close();
    }
  });

  it('reports a clear without the grant on `_tributary` as a non-retriable write error, and after close as a bug', async () => {
    const user = `t_cp_${suffix()}`;
    users.push(user);
    await admin.query(`CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY 'pw'`);
    const name = pipeline();
    await admin.query(
      'INSERT INTO `_tributary`.`checkpoints` (pipeline, position, snapshot, updated_at) VALUES (?, ?, NULL, NOW(6))',
      [name, JSON.stringify({ gtid: '0-1-1', file: 'mariadb-bin.000003', pos: 1 })],
    );
    const store = new MysqlCheckpointStore({ host: HOST, port: PORT, user, password: 'pw' }, name);
    try {
      await assert.rejects(store.clear(), (err: unknown) => {
        assert.ok(err instanceof TributaryError);
        assert.equal(err.code, 'CHECKPOINT_WRITE');
        assert.equal(err.retriable, false);
        assert.match(err.message, /^cannot delete the checkpoint in MySQL 127\.0\.0\.1:3307 `_tributary`\.`checkpoints`: .*denied/);
        assert.match(err.fix ?? '', /GRANT ALL ON `_tributary`\.\*/);
        return true;
      });
    } finally {
      await store.close();
    }
    assert.equal((await rowsFor(name)).length, 1);
    await assert.rejects(store.clear(), { code: 'CHECKPOINT_WRITE', message: /is closed$/ });
  });

  it('refuses a damaged row', async () => {
    const name = pipeline();
    await admin.query(
      'INSERT INTO `_tributary`.`checkpoints` (pipeline, position, snapshot, updated_at) VALUES (?, ?, NULL, NOW(6))',
      [name, '{"gtid": null, "file": "mariadb-bin.000001"'],
    );
    const store = new MysqlCheckpointStore(PIPELINE_USER, name);
    try {
      await assert.rejects(store.load(), (err: unknown) => {
        assert.ok(err instanceof TributaryError);
        assert.equal(err.code, 'CHECKPOINT_READ');
        assert.equal(err.retriable, false);
        assert.match(err.message, /is damaged: it is not valid JSON$/);
        return true;
      });
    } finally {
      await store.close();
    }
  });

  it('reports a wrong password as a non-retriable read error', async () => {
    const store = new MysqlCheckpointStore({ ...PIPELINE_USER, password: 'wrong' }, pipeline());
    try {
      await assert.rejects(store.load(), (err: unknown) => {
        assert.ok(err instanceof TributaryError);
        assert.equal(err.code, 'CHECKPOINT_READ');
        assert.equal(err.retriable, false);
        assert.match(err.message, /login refused: Access denied for user 'tributary'/);
        assert.match(err.fix ?? '', /user and password/);
        return true;
      });
    } finally {
      await store.close();
    }
  });

  it('reports a missing grant on `_tributary` as a non-retriable write error naming the grant', async () => {
    const user = `t_cp_${suffix()}`;
    users.push(user);
    await admin.query(`CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY 'pw'`);
    const name = pipeline();
    const store = new MysqlCheckpointStore({ host: HOST, port: PORT, user, password: 'pw' }, name);
    try {
      await assert.rejects(store.save(checkpoint(name, 1)), (err: unknown) => {
        assert.ok(err instanceof TributaryError);
        assert.equal(err.code, 'CHECKPOINT_WRITE');
        assert.equal(err.retriable, false);
        assert.match(err.message, /Access denied for user/);
        assert.match(err.fix ?? '', /GRANT ALL ON `_tributary`\.\*/);
        return true;
      });
    } finally {
      await store.close();
    }
  });

  it('reports an unreachable server as retriable', async () => {
    // Port 1 on loopback: nothing listens, so the connection is refused at once.
    const name = pipeline();
    const store = new MysqlCheckpointStore({ ...PIPELINE_USER, port: 1, connectTimeout: 2000 }, name);
    try {
      await assert.rejects(store.save(checkpoint(name, 1)), (err: unknown) => {
        assert.ok(err instanceof TributaryError);
        assert.equal(err.code, 'CHECKPOINT_WRITE');
        assert.equal(err.retriable, true);
        return true;
      });
    } finally {
      await store.close();
    }
  });

  it('closes twice safely and refuses to save after close', async () => {
    const name = pipeline();
    const store = new MysqlCheckpointStore(PIPELINE_USER, name);
    await store.save(checkpoint(name, 1));
    await store.close();
    await store.close();
    await assert.rejects(store.save(checkpoint(name, 2)), { code: 'CHECKPOINT_WRITE' });
    assert.equal((await rowsFor(name)).length, 1);
  });
});
