/**
 * Follows a pipeline's checkpoint in whatever store its config names (the Kafka store
 * too, which tests cannot read as a file): loads it again and again in the background and
 * keeps the newest one it got. A load that fails (the store's broker is down) is skipped.
 */
import type { Checkpoint, CheckpointStore } from '../../src/checkpoint/checkpoint.js';
import { createCheckpointStore } from '../../src/checkpoint/create-checkpoint-store.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { SnapshotProgress, TableProgress } from '../../src/model/snapshot-progress.js';
import { gtidSeq } from './gtid-seq.js';
import { waitFor } from './pipeline-harness.js';

export class CheckpointWatcher {
  latest: Checkpoint | null = null;
  private store: CheckpointStore | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly configFile: string,
    private readonly intervalMs = 500,
  ) {}

  start(): void {
    this.loop ??= (async () => {
      this.store = createCheckpointStore(await loadConfig(this.configFile));
      while (!this.stopping) {
        try {
          this.latest = (await this.store.load()) ?? this.latest;
        } catch {
          // The store is unavailable for a while; the next load may work.
        }
        await new Promise((r) => setTimeout(r, this.intervalMs));
      }
    })();
  }

  /** The newest loaded progress of one `db.table`, or null. */
  table(id: string): TableProgress | null {
    return (this.latest?.snapshot as SnapshotProgress | undefined)?.tables[id] ?? null;
  }

  /** Resolves once a loaded checkpoint has passed `gtid` (MariaDB domain 0). */
  async caughtUp(gtid: string, timeoutMs = 60_000): Promise<void> {
    const seq = gtidSeq(gtid);
    const saved = () => this.latest?.position.gtid;
    await waitFor(
      () => typeof saved() === 'string' && gtidSeq(saved()!) >= seq,
      timeoutMs,
      () => `checkpoint at ${saved()} short of ${gtid}`,
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop?.catch(() => undefined);
    await this.store?.close();
  }
}
