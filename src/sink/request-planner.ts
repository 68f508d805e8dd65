import type { TopicMessages } from 'kafkajs';
import type { RecordSizeLimit } from './record-size-limit.js';
import type { CheckpointMark, OutboundMessage } from './kafka-sink.js';

/** One send() of KafkaSink, as it waits in the sink's queue. */
export interface PendingGroup {
  messages: OutboundMessage[];
  /** Messages of this group already put into a request. */
  taken: number;
  /** Messages of this group not yet acked. */
  remaining: number;
  /** Nothing sent after this group travels in the same request (see KafkaSink.send()). */
  barrier: boolean;
  /** The group ends a source transaction (exactly-once: a Kafka transaction may commit after it). */
  mark: CheckpointMark | undefined;
  /** Exactly-once: a committed Kafka transaction holds this group's mark (or a later one). */
  committed: boolean;
  /** All its messages (none, for an empty marked group) are in a request already. */
  sent: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface ProduceRequest {
  topicMessages: TopicMessages[];
  /** How many messages of which group this request carries. */
  parts: [PendingGroup, number][];
  count: number;
  /** Sum of the records' sizes (RecordSizeLimit.recordBytes). */
  bytes: number;
  largestRecordBytes: number;
  /** Exactly-once: the request ends at this mark, so its transaction commits with it. */
  commit: CheckpointMark | null;
}

/** One group's share of a request: messages [from, to). */
type Slice = [PendingGroup, number, number];

export interface RequestPlannerOptions {
  batchMaxMessages: number;
  limit: RecordSizeLimit;
  /**
   * Exactly-once: how long a Kafka transaction stays open to take more source transactions
   * while more are queued; null without transactions.
   */
  commitIntervalMs: number | null;
  /** Milliseconds on a monotonic clock. */
  now: () => number;
}

/**
 * Decides what the next produce request carries. It takes the oldest untaken messages,
 * across groups and topics, up to batchMaxMessages and the byte limit (always at least one
 * message).
 *
 * With transactions it also decides when a Kafka transaction commits. A commit costs a
 * round trip to the transaction coordinator and a marker write on every partition, so
 * committing after every request caps the rate. A transaction therefore stays open while
 * the queue already holds a later mark to commit at, for at most `commitIntervalMs`, as
 * Kafka Streams does with commit.interval.ms. Once the interval has passed, or nothing
 * committable waits behind the request, the request ends at its last mark and commits.
 * A later mark already queued guarantees the open transaction a commit point, so no
 * group waits on a commit that is never sent.
 */
export class RequestPlanner {
  private readonly options: RequestPlannerOptions;
  /** When the open Kafka transaction took its first request; null when none is open. */
  private openedAt: number | null = null;

  constructor(options: RequestPlannerOptions) {
    this.options = options;
  }

  /** The next request from `queue` (groups in send order). */
  take(queue: PendingGroup[]): ProduceRequest {
    const slices = this.plan(queue);
    let commit: CheckpointMark | null = null;
    if (this.options.commitIntervalMs !== null) {
      const now = this.options.now();
      this.openedAt ??= now;
      let last = -1;
      for (let i = 0; i < slices.length; i++) {
        const [group, , to] = slices[i]!;
        if (group.mark && to === group.messages.length) last = i;
      }
      // A request of no messages is there to commit (an empty marked send): never hold it back.
      const due = now - this.openedAt >= this.options.commitIntervalMs || !markQueuedAfter(queue, slices) || carriesNoMessages(slices);
      if (last >= 0 && due) {
        slices.length = last + 1;
        commit = slices[last]![0].mark!;
      }
    }
    return this.build(slices, commit);
  }

  /** The open transaction ended (committed or aborted): the next request opens a new one. */
  transactionEnded(): void {
    this.openedAt = null;
  }

  /** Which messages of which groups the next request carries, within the limits. */
  private plan(queue: PendingGroup[]): Slice[] {
    const slices: Slice[] = [];
    let count = 0;
    let bytes = 0;
    let full = false;
    const max = this.options.batchMaxMessages;
    const limit = this.options.limit;
    for (const group of queue) {
      if (count >= max || full) break;
      if (group.sent) {
        // Only an unacked barrier holds later messages back. An acked one can still be queued
        // behind a marked group waiting for its commit, and that commit comes from what follows.
        if (group.barrier && group.remaining > 0) break;
        continue;
      }
      const from = group.taken;
      const end = Math.min(group.messages.length, from + (max - count));
      let to = from;
      for (; to < end; to++) {
        const m = group.messages[to]!;
        const size = limit.recordBytes(m.key, m.value, m.headers);
        if (count + (to - from) > 0 && !limit.fits(bytes + size)) {
          full = true;
          break;
        }
        bytes += size;
      }
      slices.push([group, from, to]);
      count += to - from;
      // A barrier group travels without anything sent after it, even when it is not done.
      if (group.barrier) break;
    }
    return slices;
  }

  private build(slices: Slice[], commit: CheckpointMark | null): ProduceRequest {
    const byTopic = new Map<string, TopicMessages>();
    const parts: [PendingGroup, number][] = [];
    const limit = this.options.limit;
    let count = 0;
    let bytes = 0;
    let largest = 0;
    for (const [group, from, to] of slices) {
      for (let i = from; i < to; i++) {
        const m = group.messages[i]!;
        const size = limit.recordBytes(m.key, m.value, m.headers);
        bytes += size;
        if (size > largest) largest = size;
        let entry = byTopic.get(m.topic);
        if (!entry) {
          entry = { topic: m.topic, messages: [] };
          byTopic.set(m.topic, entry);
        }
        entry.messages.push(m.headers ? { key: m.key, value: m.value, headers: m.headers } : { key: m.key, value: m.value });
      }
      parts.push([group, to - from]);
      group.taken = to;
      if (to === group.messages.length) group.sent = true;
      count += to - from;
    }
    return { topicMessages: [...byTopic.values()], parts, count, bytes, largestRecordBytes: largest, commit };
  }
}

/** Whether a group ending at a mark waits wholly untaken or partly taken beyond `slices`. */
function markQueuedAfter(queue: PendingGroup[], slices: Slice[]): boolean {
  const lastSlice = slices[slices.length - 1];
  // Past the request's last group, or in it when the request takes only part of it.
  let after = lastSlice === undefined;
  for (const group of queue) {
    if (!after) {
      if (group === lastSlice![0]) {
        after = true;
        if (lastSlice![2] < group.messages.length && group.mark) return true;
      }
      continue;
    }
    if (group.mark && !group.sent) return true;
  }
  return false;
}

function carriesNoMessages(slices: Slice[]): boolean {
  for (const [, from, to] of slices) if (to > from) return false;
  return true;
}
