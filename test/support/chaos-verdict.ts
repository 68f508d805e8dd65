/**
 * The checks a chaos run ends with, on what a consumer reads from the two data topics:
 * each returns the offending keys or records (empty when it holds), so a failure shows
 * what was lost or went back, not just that something did.
 */
import type { WrittenTransaction, Version } from './change-writer.js';
import { ChangeLog } from './change-log.js';
import { gtidSeq } from './gtid-seq.js';
import { SnapshotLog } from './snapshot-log.js';
import type { PositionedRecord } from './topic-reader.js';

export type Delivery = 'at_least_once' | 'exactly_once';

export interface TopicUnderTest {
  records: PositionedRecord[];
  /** SELECT * of the table at the end, ordered by id. */
  table: Record<string, unknown>[];
  /** End offsets measured just before each restart: where each later process's output begins. */
  restarts: bigint[];
}

export interface ChaosVerdict {
  /** Check name to problems; every list must be empty. */
  problems: Record<string, string[]>;
  records: number;
  duplicates: number;
  /** Snapshot `r` events beyond one per key read (chunks read again after a kill). */
  rereads: number;
}

const MAX = 20;
const idOf = (r: PositionedRecord) => (r.key as { id: number }).id;
const cap = (list: string[]) => (list.length > MAX ? [...list.slice(0, MAX), `... and ${list.length - MAX} more`] : list);

/** Rows of the table missing from, extra in, or different in the state a consumer rebuilds. */
export function stateDiff(log: SnapshotLog, table: Record<string, unknown>[]): string[] {
  const state = new Map(log.stateRows().map((r) => [r.id as number, r]));
  const out: string[] = [];
  for (const row of table) {
    const got = state.get(row.id as number);
    if (!got) out.push(`id ${row.id}: in the table (version ${row.version}), not in the topic state`);
    else if (JSON.stringify(got) !== JSON.stringify(row)) out.push(`id ${row.id}: topic ${JSON.stringify(got)}, table ${JSON.stringify(row)}`);
    state.delete(row.id as number);
  }
  for (const [id, got] of state) out.push(`id ${id}: in the topic state (version ${got.version}), deleted from the table`);
  return out;
}

/**
 * Streamed events of one key must chain: each one's `before` is the previous streamed
 * one's `after`, and an update adds exactly 1 to `version`. A lost change shows as a gap.
 */
export function streamGaps(unique: PositionedRecord[]): string[] {
  const lastAfter = new Map<number, Record<string, unknown> | null>();
  const out: string[] = [];
  for (const r of unique) {
    const v = r.value!;
    if (v.op === 'r') continue;
    const id = idOf(r);
    if (v.op === 'u' && (v.after!.version as number) !== (v.before!.version as number) + 1) {
      out.push(`id ${id}: update from version ${v.before!.version} to ${v.after!.version} at offset ${r.offset}`);
    }
    if (lastAfter.has(id)) {
      const previous = lastAfter.get(id)!;
      const before = v.before ?? null;
      if (JSON.stringify(previous) !== JSON.stringify(before)) {
        out.push(`id ${id}: ${v.op} at offset ${r.offset} starts from ${JSON.stringify(before)}, the previous change ended at ${JSON.stringify(previous)}`);
      }
    } else if (v.op === 'c' && (v.after!.version as number) !== 1) out.push(`id ${id}: created at version ${v.after!.version}`);
    lastAfter.set(id, v.after ?? null);
  }
  return out;
}

/** A delete must be followed at once by its key's tombstone (single partition). */
export function missingTombstones(records: PositionedRecord[]): string[] {
  const out: string[] = [];
  records.forEach((r, i) => {
    const next = records[i + 1];
    if (r.value?.op === 'd' && !(next && next.value === null && JSON.stringify(next.key) === JSON.stringify(r.key))) {
      out.push(`id ${idOf(r)}: delete at offset ${r.offset} without its tombstone next`);
    }
  });
  return out;
}

/**
 * Snapshot markers. Exactly once: SnapshotLog.markerProblems (one `first`, one `last`).
 * At least once a chunk read again after a kill repeats its markers, so a `first` may open
 * and a `last` may close the reads of any one process, and nowhere else.
 */
export function markerProblems(log: SnapshotLog, restarts: bigint[], delivery: Delivery): string[] {
  const reads = log.reads;
  if (reads.length === 0) return log.markerProblems().filter((p) => !p.startsWith("0 'first'"));
  if (delivery === 'exactly_once') return log.markerProblems();
  const out = log.markerProblems().filter((p) => !/^\d+ '(first|last)' markers/.test(p) && !/^'(first|last)' at offset/.test(p));
  const segmentOf = (offset: bigint) => restarts.filter((o) => offset >= o).length;
  const bySegment = new Map<number, PositionedRecord[]>();
  for (const r of reads) {
    const s = segmentOf(r.offset);
    let list = bySegment.get(s);
    if (!list) bySegment.set(s, (list = []));
    list.push(r);
  }
  // A table of one row: each read of it is both the table's first and last, with one
  // marker, which SnapshotLog.markerProblems has checked.
  if (new Set(reads.map((r) => JSON.stringify(r.key))).size === 1 && reads[0]!.key !== null) return out;
  if (!OPENING.has(String(reads[0]!.value!.source.snapshot))) out.push(`the first r (offset ${reads[0]!.offset}) is not marked first`);
  if (!CLOSING.has(String(reads.at(-1)!.value!.source.snapshot))) out.push(`the last r (offset ${reads.at(-1)!.offset}) is not marked last`);
  for (const [s, list] of bySegment) {
    list.forEach((r, i) => {
      const marker = String(r.value!.source.snapshot);
      if (OPENING.has(marker) && i !== 0) out.push(`'first' at offset ${r.offset} in the middle of process ${s + 1}'s reads`);
      if (CLOSING.has(marker) && i !== list.length - 1) out.push(`'last' at offset ${r.offset} in the middle of process ${s + 1}'s reads`);
    });
  }
  return out;
}

/** Per id, the streamed versions (replays dropped) that differ from what the writer wrote. */
export function historyDiff(unique: PositionedRecord[], history: ReadonlyMap<number, Version[]>): string[] {
  const seen = new Map<number, Version[]>();
  for (const r of unique) {
    if (r.value!.op === 'r') continue;
    const id = idOf(r);
    let list = seen.get(id);
    if (!list) seen.set(id, (list = []));
    list.push(r.value!.op === 'd' ? 'd' : (r.value!.after!.version as number));
  }
  const out: string[] = [];
  for (const [id, wrote] of history) {
    const got = seen.get(id) ?? [];
    if (got.join() !== wrote.join()) out.push(`id ${id}: wrote ${wrote.join(',')}, topic has ${got.join(',') || 'nothing'}`);
    seen.delete(id);
  }
  for (const [id, got] of seen) out.push(`id ${id}: topic has ${got.join(',')}, never written`);
  return out;
}

/** Transactions (known GTID) not in the topic whole: their event count differs. */
export function incompleteTransactions(unique: PositionedRecord[], txs: WrittenTransaction[]): string[] {
  const perTx = new Map<string, number>();
  for (const r of unique) if (r.value!.op !== 'r') perTx.set(String(r.value!.source.gtid), (perTx.get(String(r.value!.source.gtid)) ?? 0) + 1);
  return txs.filter((tx) => perTx.get(tx.gtid) !== tx.events).map((tx) => `${tx.gtid}: ${tx.events} events written, ${perTx.get(tx.gtid) ?? 0} in the topic`);
}

/** GTIDs the writer committed after the first start's position that no event on the topic carries. */
export function lostGtids(records: PositionedRecord[], gtids: string[], startGtid: string): string[] {
  const onTopic = new Set(records.filter((r) => r.value && r.value.op !== 'r').map((r) => String(r.value!.source.gtid)));
  const start = gtidSeq(startGtid);
  return gtids.filter((g) => gtidSeq(g) > start && !onTopic.has(g)).map((g) => `${g}: committed, no event on the topic`);
}

/** The streamed events and tombstones: snapshot reads carry no transaction, so no replay identity. */
function streamed(records: PositionedRecord[]): ChangeLog {
  return new ChangeLog(records.filter((r) => r.value?.op !== 'r'));
}

export interface ChaosTopics {
  /** The snapshotted table the PopulatedTableWriter changes (before the first start too: those changes reach it by the snapshot). */
  big: TopicUnderTest & { gtids: string[]; startGtid: string };
  /** The table the ChangeWriter changes, with its exact history. */
  items: TopicUnderTest & { transactions: WrittenTransaction[]; history: ReadonlyMap<number, Version[]> };
}

export function chaosVerdict(topics: ChaosTopics, delivery: Delivery): ChaosVerdict {
  const problems: Record<string, string[]> = {};
  let records = 0;
  let duplicates = 0;
  let rereads = 0;
  for (const [name, topic] of Object.entries(topics) as [keyof ChaosTopics, TopicUnderTest][]) {
    const log = new SnapshotLog(topic.records);
    const changes = streamed(topic.records);
    const unique = changes.unique();
    const reads = log.reads;
    records += topic.records.length;
    duplicates += changes.duplicates().length;
    rereads += reads.length - new Set(reads.map(idOf)).size;
    problems[`${name}: state differs from the table`] = stateDiff(log, topic.table);
    problems[`${name}: streamed changes do not chain`] = streamGaps(unique);
    problems[`${name}: version went back`] = log.regressions();
    problems[`${name}: bad ops`] = log.badOps();
    problems[`${name}: snapshot markers`] = markerProblems(log, topic.restarts, delivery);
    problems[`${name}: tombstones`] = missingTombstones(log.records);
  }
  problems['big: committed transactions lost'] = lostGtids(topics.big.records, topics.big.gtids, topics.big.startGtid);
  const itemsUnique = streamed(topics.items.records).unique();
  problems['items: versions lost or extra'] = historyDiff(itemsUnique, topics.items.history);
  problems['items: transactions not whole'] = incompleteTransactions(itemsUnique, topics.items.transactions);
  if (delivery === 'exactly_once' && duplicates > 0) problems['exactly once: duplicates'] = [`${duplicates} streamed events delivered more than once`];
  for (const k of Object.keys(problems)) problems[k] = cap(problems[k]!);
  return { problems, records, duplicates, rereads };
}

/** Debezium's markers that open and close a table's reads (`*_in_data_collection` when other tables are snapshotted too). */
const OPENING: ReadonlySet<string> = new Set(['first', 'first_in_data_collection']);
const CLOSING: ReadonlySet<string> = new Set(['last', 'last_in_data_collection']);
