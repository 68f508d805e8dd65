import * as fsp from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { TributaryError } from '../errors/tributary-error.js';
import type { Checkpoint, CheckpointStore } from './checkpoint.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec.js';
import { storeClosedError } from './store-closed-error.js';

/** The file operations the store uses; injectable to exercise failures between steps. */
export type CheckpointFileSystem = Pick<typeof fsp, 'mkdir' | 'open' | 'readFile' | 'readdir' | 'rename' | 'unlink'>;

export interface FileCheckpointStoreOptions {
  /** When set, a file holding another pipeline's checkpoint is refused instead of resumed from. */
  pipeline?: string;
  fs?: CheckpointFileSystem;
}

const RETRIABLE_FS_CODES = new Set(['ENOSPC', 'EDQUOT', 'EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'EIO']);

/**
 * A checkpoint in a local JSON file. Each save writes a temp file in the same directory,
 * fsyncs it, renames it over the checkpoint and fsyncs the directory, so after a crash
 * the file holds either the old or the new checkpoint, never a torn one.
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly path: string;
  private readonly dir: string;
  private readonly base: string;
  private readonly pipeline: string | undefined;
  private readonly fs: CheckpointFileSystem;
  private prepared = false;
  private seq = 0;
  private closed = false;
  // Saves run one after another so an older checkpoint can never be renamed over a newer one.
  private tail: Promise<void> = Promise.resolve();

  constructor(path: string, options: FileCheckpointStoreOptions = {}) {
    this.path = resolve(path);
    this.dir = dirname(this.path);
    this.base = basename(this.path);
    this.pipeline = options.pipeline;
    this.fs = options.fs ?? fsp;
  }

  async load(): Promise<Checkpoint | null> {
    let text: string;
    try {
      text = await this.fs.readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw this.fsError('read', err);
    }
    const cp = decodeCheckpoint(text, this.path);
    if (this.pipeline !== undefined && cp.pipeline !== this.pipeline) {
      throw new TributaryError(
        `checkpoint file ${this.path} belongs to pipeline "${cp.pipeline}", not "${this.pipeline}"`,
        { code: 'CHECKPOINT_READ', fix: 'give each pipeline its own checkpoint.path' },
      );
    }
    return cp;
  }

  save(cp: Checkpoint): Promise<void> {
    if (this.closed) return Promise.reject(storeClosedError(this.path));
    const run = this.tail.then(() => this.write(cp));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Runs after any pending save, so a save issued before it cannot bring the checkpoint back. */
  clear(): Promise<void> {
    if (this.closed) return Promise.reject(storeClosedError(this.path));
    const run = this.tail.then(() => this.remove());
    this.tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
  }

  /** Temp files are `<base>.<pid>-<n>.tmp` next to the checkpoint. */
  private tempName(): string {
    this.seq += 1;
    return join(this.dir, `${this.base}.${process.pid}-${this.seq}.tmp`);
  }

  private async prepare(): Promise<void> {
    if (this.prepared) return;
    await this.fs.mkdir(this.dir, { recursive: true });
    // A crash between writing and renaming leaves a temp file behind; it never holds the
    // newest durable checkpoint (the rename did not happen), so it is safe to drop.
    for (const name of await this.fs.readdir(this.dir)) {
      if (name.startsWith(`${this.base}.`) && name.endsWith('.tmp')) {
        await this.fs.unlink(join(this.dir, name)).catch(() => undefined);
      }
    }
    this.prepared = true;
  }

  private async write(cp: Checkpoint): Promise<void> {
    const json = encodeCheckpoint(cp);
    let temp: string | undefined;
    try {
      await this.prepare();
      temp = this.tempName();
      const handle = await this.fs.open(temp, 'w', 0o600);
      try {
        await handle.writeFile(json, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.fs.rename(temp, this.path);
      temp = undefined;
      await this.syncDir();
    } catch (err) {
      if (temp !== undefined) await this.fs.unlink(temp).catch(() => undefined);
      throw this.fsError('write', err);
    }
  }

  private async remove(): Promise<void> {
    try {
      await this.fs.unlink(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw this.fsError('delete', err);
    }
    try {
      await this.syncDir();
    } catch (err) {
      throw this.fsError('delete', err);
    }
  }

  /** Makes the rename (or unlink) itself durable. */
  private async syncDir(): Promise<void> {
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await this.fs.open(this.dir, 'r');
      await handle.sync();
    } catch (err) {
      // Some platforms (Windows) and file systems cannot open or fsync a directory.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw err;
    } finally {
      await handle?.close();
    }
  }

  private fsError(op: 'read' | 'write' | 'delete', err: unknown): TributaryError {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const retriable = RETRIABLE_FS_CODES.has(code);
    const fix = retriable
      ? `free disk space or file handles on the volume of ${this.dir}`
      : `make ${this.dir} a writable directory for the user running tributary, or change checkpoint.path`;
    return new TributaryError(`cannot ${op} checkpoint file ${this.path}: ${(err as Error).message}`, {
      code: op === 'read' ? 'CHECKPOINT_READ' : 'CHECKPOINT_WRITE',
      retriable,
      fix,
      cause: err,
    });
  }
}
