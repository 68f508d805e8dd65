import type { ChangeEvent, SourceBatch } from './model/change-event.js';
import type { OutboundMessage } from './sink/kafka-sink.js';
import type { Logger } from './logger.js';
import { FrameDecoder } from './encode/frame-decoder.js';
import { asTributaryError, type TributaryError } from './errors/tributary-error.js';
import { StreamHold } from './stream-hold.js';

/** What TruncateDeletes needs of the pipeline around it. */
export interface TableEndHooks {
  /** Stops reading the binlog; batches already parsed still arrive. */
  pause(): void;
  resume(): void;
  /** Resolves once everything handed to the sink so far is acked. */
  drained(): Promise<void>;
  /** Sends `messages` in place of `batch`, tracked with its commit position and progress. */
  deliver(messages: OutboundMessage[], batch: SourceBatch): void;
  /** The pipeline's ordinary path for a batch. */
  forward(batch: SourceBatch): void;
  fail(err: TributaryError): void;
}

export interface TruncateDeletesOptions {
  /** Reads a topic from its beginning to its current end; a missing topic has no records. */
  readTopic(topic: string, onRecord: (key: Buffer | null, value: Buffer | null) => void): Promise<void>;
  schemasTopic: string;
  topicFor(db: string, table: string): string;
  tombstones: boolean;
  logger: Logger;
  now?: () => number;
}

/** The part of a decoded envelope read here. */
interface DecodedEnvelope {
  after: unknown;
  source: Record<string, unknown>;
}

/**
 * kafka.truncate_handling = "deletes": a consumer of compacted topics that knows no `t`
 * event sees instead a delete (before = the key's last published after-image) and a
 * tombstone for every key still live in the table's topic. The source table is already
 * empty, so the live keys come from the topic itself: once everything before the
 * statement is acked, the topic is read to its end. Meanwhile the binlog is paused and
 * batches that still arrive wait here, so they follow the deletes in order; the deletes
 * carry the statement's commit position, so the checkpoint passes it only once they are acked.
 */
export class TruncateDeletes {
  private readonly options: TruncateDeletesOptions;
  private readonly hold: StreamHold;

  constructor(options: TruncateDeletesOptions, hooks: TableEndHooks) {
    this.options = options;
    this.hold = new StreamHold({
      wants: endsTables,
      handle: async (batch) => {
        await hooks.drained();
        hooks.deliver(await this.deletesFor(batch), batch);
      },
      forward: (batch) => hooks.forward(batch),
      pause: () => hooks.pause(),
      resume: () => hooks.resume(),
      fail: (err) => hooks.fail(asTributaryError(err, 'KAFKA_CONNECT')),
    });
  }

  /** Whether deletes are being prepared (the binlog stays paused until they are sent). */
  get busy(): boolean {
    return this.hold.busy;
  }

  /** Takes a batch that ends tables, and every batch while one is handled; false leaves it to the caller. */
  takes(batch: SourceBatch): boolean {
    return this.hold.takes(batch);
  }

  private async deletesFor(batch: SourceBatch): Promise<OutboundMessage[]> {
    const { readTopic, schemasTopic, topicFor, tombstones, logger } = this.options;
    const decoder = new FrameDecoder();
    await readTopic(schemasTopic, (key, value) => {
      if (key && value) decoder.addSchema(key.toString(), value.toString());
    });
    const now = (this.options.now ?? Date.now)();
    const messages: OutboundMessage[] = [];
    for (const event of batch.events) {
      if (event.op !== 't') continue;
      const topic = topicFor(event.source.db, event.source.table);
      // Compaction's view: the newest record per key.
      const latest = new Map<string, { key: Buffer; value: Buffer | null }>();
      await readTopic(topic, (key, value) => {
        if (key) latest.set(key.toString('hex'), { key, value });
      });
      let order = 0;
      for (const { key, value } of latest.values()) {
        if (!value) continue;
        const { fingerprint, value: decoded } = decoder.decode(value);
        const last = decoded as DecodedEnvelope;
        if (!last.after) continue;
        order++;
        const envelope = { ...last, before: last.after, after: null, op: 'd', ts_ms: now, source: deleteSource(last.source, event, order), transaction: transaction(event, order) };
        messages.push({ topic, key, value: decoder.frame(fingerprint, envelope) });
        if (tombstones) messages.push({ topic, key, value: null });
      }
      logger.info(`${event.source.db}.${event.source.table} ended (${event.source.query ?? ''}): ${order} delete(s) for the live keys of ${topic}`);
    }
    return messages;
  }
}

function endsTables(batch: SourceBatch): boolean {
  const events = batch.events;
  return events.length > 0 && events[0]!.op === 't';
}

/** The last record's source block, moved to the statement that ended the table. */
function deleteSource(last: Record<string, unknown>, event: ChangeEvent, row: number): Record<string, unknown> {
  const s = event.source;
  return { ...last, ts_ms: s.ts_ms, snapshot: 'false', server_id: s.server_id, gtid: s.gtid, file: s.file, pos: s.pos, row: row - 1, thread: null, query: s.query };
}

function transaction(event: ChangeEvent, order: number): { id: string; total_order: number; data_collection_order: number } | null {
  const gtid = event.source.gtid;
  return gtid === null ? null : { id: gtid, total_order: order, data_collection_order: order };
}
