import assert from 'node:assert/strict';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Checkpoint } from '../../../src/checkpoint/checkpoint.js';
import { FileCheckpointStore, type CheckpointFileSystem } from '../../../src/checkpoint/file-checkpoint-store.js';
import { TributaryError } from '../../../src/errors/tributary-error.js';

const first: Checkpoint = {
  pipeline: 'shop',
  position: { gtid: '0-1-100', file: 'mariadb-bin.000001', pos: 4711 },
  updatedAt: '2025-01-02T03:04:05.678Z',
};
const second: Checkpoint = {
  pipeline: 'shop',
  position: { gtid: '0-1-101', file: 'mariadb-bin.000002', pos: 385 },
  snapshot: { tables: { 'shop.orders': { done: false, lastKey: [42] } } },
  updatedAt: '2025-01-02T03:04:06.000Z',
};

function isError(code: string, retriable: boolean) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof TributaryError, String(err));
    assert.equal(err.code, code);
    assert.equal(err.retriable, retriable);
    assert.ok((err.fix ?? '').length > 0);
    return true;
  };
}

describe('FileCheckpointStore', () => {
  let root: string;
  let n = 0;
  const fresh = () => join(root, `case-${++n}`, 'nested', 'shop.checkpoint.json');

  before(async () => {
    root = await fsp.mkdtemp(join(tmpdir(), 'tributary-file-store-'));
  });
  after(async () => {
    await fsp.rm(root, { recursive: true, force: true });
  });

  it('loads null when no checkpoint was saved, without creating anything', async () => {
    const path = fresh();
    const store = new FileCheckpointStore(path);
    assert.equal(await store.load(), null);
    await assert.rejects(fsp.stat(join(path, '..')), { code: 'ENOENT' });
    await store.close();
  });

  it('round-trips checkpoints, creating the directory and leaving no temp files', async () => {
    const path = fresh();
    const store = new FileCheckpointStore(path);
    await store.save(first);
    assert.deepEqual(await store.load(), first);
    await store.save(second);
    assert.deepEqual(await store.load(), second);
    assert.deepEqual(JSON.parse(await fsp.readFile(path, 'utf8')), second);
    assert.deepEqual(await fsp.readdir(join(path, '..')), ['shop.checkpoint.json']);
    await store.close();
    // A new store (a restarted process) sees the same checkpoint.
    assert.deepEqual(await new FileCheckpointStore(path).load(), second);
  });

  it('writes only the checkpoint fields', async () => {
    const path = fresh();
    const store = new FileCheckpointStore(path);
    await store.save({ ...first, position: { ...first.position, extra: 1 } as Checkpoint['position'], other: 2 } as Checkpoint);
    assert.deepEqual(JSON.parse(await fsp.readFile(path, 'utf8')), first);
    await store.close();
  });

  it('fsyncs the temp file before the rename and the directory after it', async () => {
    const path = fresh();
    const steps: string[] = [];
    const fs: CheckpointFileSystem = {
      ...fsp,
      open: (async (p: string, flags?: string, mode?: number) => {
        const handle = await fsp.open(p, flags, mode);
        const what = p.endsWith('.tmp') ? 'temp' : p === join(path, '..') ? 'dir' : p;
        steps.push(`open ${what}`);
        const sync = handle.sync.bind(handle);
        handle.sync = async () => {
          steps.push(`sync ${what}`);
          await sync();
        };
        return handle;
      }) as typeof fsp.open,
      rename: async (from, to) => {
        steps.push('rename');
        await fsp.rename(from, to);
      },
    };
    const store = new FileCheckpointStore(path, { fs });
    await store.save(first);
    assert.deepEqual(steps, ['open temp', 'sync temp', 'rename', 'open dir', 'sync dir']);
    await store.close();
  });

  it('keeps the old checkpoint when a save dies between write and rename', async () => {
    const path = fresh();
    await new FileCheckpointStore(path).save(first);
    const fs: CheckpointFileSystem = {
      ...fsp,
      rename: async () => {
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      },
    };
    const store = new FileCheckpointStore(path, { fs });
    await assert.rejects(store.save(second), isError('CHECKPOINT_WRITE', true));
    assert.deepEqual(await store.load(), first);
    // The failed save removed its temp file.
    assert.deepEqual(await fsp.readdir(join(path, '..')), ['shop.checkpoint.json']);
    await store.close();
  });

  it('ignores a temp file a crashed process left behind, and clears it on the next save', async () => {
    const path = fresh();
    await new FileCheckpointStore(path).save(first);
    const stale = `${path}.99999-1.tmp`;
    await fsp.writeFile(stale, JSON.stringify(second).slice(0, 20));
    const store = new FileCheckpointStore(path);
    assert.deepEqual(await store.load(), first);
    await store.save(second);
    assert.deepEqual(await store.load(), second);
    assert.deepEqual(await fsp.readdir(join(path, '..')), ['shop.checkpoint.json']);
    await store.close();
  });

  it('applies concurrent saves in call order', async () => {
    const path = fresh();
    const store = new FileCheckpointStore(path);
    await Promise.all([store.save(first), store.save(second)]);
    assert.deepEqual(await store.load(), second);
    await Promise.all([store.save(second), store.save(first)]);
    assert.deepEqual(await store.load(), first);
    await store.close();
  });

  it('refuses a damaged checkpoint file instead of guessing a position', async () => {
    const path = fresh();
    await fsp.mkdir(join(path, '..'), { recursive: true });
    await fsp.writeFile(path, '{"pipeline":"shop","position":');
    await assert.rejects(new FileCheckpointStore(path).load(), (err: unknown) => {
      isError('CHECKPOINT_READ', false)(err);
      assert.match((err as Error).message, /is damaged: it is not valid JSON$/);
      return true;
    });
    await fsp.writeFile(path, JSON.stringify({ pipeline: 'shop', position: { file: 'f', pos: -1 }, updatedAt: 'x' }));
    await assert.rejects(new FileCheckpointStore(path).load(), (err: unknown) => {
      isError('CHECKPOINT_READ', false)(err);
      assert.match((err as Error).message, /does not have the checkpoint shape \(position\.gtid: /);
      return true;
    });
  });

  it("refuses another pipeline's checkpoint when told its pipeline", async () => {
    const path = fresh();
    await new FileCheckpointStore(path).save(first);
    await assert.rejects(new FileCheckpointStore(path, { pipeline: 'billing' }).load(), (err: unknown) => {
      isError('CHECKPOINT_READ', false)(err);
      assert.equal((err as Error).message, `checkpoint file ${path} belongs to pipeline "shop", not "billing"`);
      return true;
    });
    assert.deepEqual(await new FileCheckpointStore(path, { pipeline: 'shop' }).load(), first);
  });

  it('reports a directory that cannot be created as a non-retriable write error', async () => {
    const blocker = join(root, `blocker-${++n}`);
    await fsp.writeFile(blocker, 'a file, not a directory');
    const store = new FileCheckpointStore(join(blocker, 'sub', 'cp.json'));
    await assert.rejects(store.save(first), isError('CHECKPOINT_WRITE', false));
    await store.close();
  });

  it('clears the checkpoint: removes the file, fsyncs the directory, and a later load is null', async () => {
    const path = fresh();
    await new FileCheckpointStore(path).save(first);
    const steps: string[] = [];
    const fs: CheckpointFileSystem = {
      ...fsp,
      open: (async (p: string, flags?: string, mode?: number) => {
        const handle = await fsp.open(p, flags, mode);
        const what = p === join(path, '..') ? 'dir' : p;
        steps.push(`open ${what}`);
        const sync = handle.sync.bind(handle);
        handle.sync = async () => {
          steps.push(`sync ${what}`);
          await sync();
        };
        return handle;
      }) as typeof fsp.open,
      unlink: async (p) => {
        steps.push(`unlink ${p === path ? 'checkpoint' : String(p)}`);
        await fsp.unlink(p);
      },
    };
    const store = new FileCheckpointStore(path, { fs });
    await store.clear();
    assert.deepEqual(steps, ['unlink checkpoint', 'open dir', 'sync dir']);
    assert.equal(await store.load(), null);
    assert.deepEqual(await fsp.readdir(join(path, '..')), []);
    // A restarted process finds no checkpoint either; it can save a new one.
    const again = new FileCheckpointStore(path);
    assert.equal(await again.load(), null);
    await again.save(second);
    assert.deepEqual(await again.load(), second);
    await store.close();
    await again.close();
  });

  it('clears a missing checkpoint (and a missing directory) without error or creating anything', async () => {
    const path = fresh();
    const store = new FileCheckpointStore(path);
    await store.clear();
    await store.clear();
    assert.equal(await store.load(), null);
    await assert.rejects(fsp.stat(join(path, '..')), { code: 'ENOENT' });
    await store.close();
  });

  it('clears a damaged checkpoint file', async () => {
    const path = fresh();
    await fsp.mkdir(join(path, '..'), { recursive: true });
    await fsp.writeFile(path, '{"pipeline":"shop","position":');
    const store = new FileCheckpointStore(path);
    await assert.rejects(store.load(), { code: 'CHECKPOINT_READ' });
    await store.clear();
    assert.equal(await store.load(), null);
    await store.close();
  });

  it('clears only after a save issued before it, so that save cannot bring the checkpoint back', async () => {
    const path = fresh();
    const store = new FileCheckpointStore(path);
    const saving = store.save(first);
    const clearing = store.clear();
    await Promise.all([saving, clearing]);
    assert.equal(await store.load(), null);
    assert.deepEqual(await fsp.readdir(join(path, '..')), []);
    await store.close();
  });

  it('reports a checkpoint that cannot be removed as a write error with a fix', async () => {
    const path = fresh();
    await new FileCheckpointStore(path).save(first);
    const fs: CheckpointFileSystem = {
      ...fsp,
      unlink: async () => {
        throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      },
    };
    const store = new FileCheckpointStore(path, { fs });
    await assert.rejects(store.clear(), (err: unknown) => {
      isError('CHECKPOINT_WRITE', false)(err);
      assert.equal((err as Error).message, `cannot delete checkpoint file ${path}: EACCES: permission denied`);
      return true;
    });
    assert.deepEqual(await store.load(), first);
    await store.close();
  });

  it('closes twice safely and refuses to save or clear after close', async () => {
    const path = fresh();
    await new FileCheckpointStore(path).save(first);
    const store = new FileCheckpointStore(path);
    await store.close();
    await store.close();
    await assert.rejects(store.save(first), isError('CHECKPOINT_WRITE', false));
    await assert.rejects(store.clear(), isError('CHECKPOINT_WRITE', false));
    assert.deepEqual(await new FileCheckpointStore(path).load(), first);
  });
});
