import type { Kafka } from 'kafkajs';
import { readPositioned, type PositionedRecord } from './topic-reader.js';
import { ChangeLog } from './change-log.js';
import { waitFor, type TestPipelineConfig } from './pipeline-harness.js';
import type { WrittenTransaction } from './change-writer.js';

/** Waits until every event of `txs` is on the topic (duplicates not counted), and returns the topic's records. */
export async function delivered(kafka: Kafka, cfg: TestPipelineConfig, topic: string, txs: WrittenTransaction[], timeoutMs = 30_000): Promise<PositionedRecord[]> {
  const want = txs.reduce((n, tx) => n + tx.events, 0);
  let records: PositionedRecord[] = [];
  await waitFor(
    async () => {
      records = await readPositioned(kafka, cfg.schemasTopic, [topic]);
      return new ChangeLog(records).unique().length >= want;
    },
    timeoutMs,
    () => `have ${new ChangeLog(records).unique().length} of ${want} events`,
  );
  return records;
}
