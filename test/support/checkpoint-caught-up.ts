import { readCheckpointFile } from './checkpoint-file.js';
import { gtidSeq } from './gtid-seq.js';
import { waitFor } from './pipeline-harness.js';

/**
 * Waits until the file checkpoint at `checkpointPath` has passed `gtid`: since the checkpoint
 * never runs ahead of Kafka acks, everything up to `gtid` is then on the topics.
 * `describe` adds to the timeout message.
 */
export async function checkpointCaughtUp(checkpointPath: string, gtid: string, describe: () => string = () => ''): Promise<void> {
  const seq = gtidSeq(gtid);
  await waitFor(
    () => {
      const saved = readCheckpointFile(checkpointPath)?.position.gtid;
      return typeof saved === 'string' && gtidSeq(saved) >= seq;
    },
    30_000,
    () => `checkpoint ${JSON.stringify(readCheckpointFile(checkpointPath)?.position)} short of ${gtid}\n${describe()}`,
  );
}
