/**
 * What a consumer of one single-partition data topic sees of a table that was snapshotted
 * while it changed: the state it rebuilds, and the checks the snapshot promises, each
 * returning the offending records (empty when it holds) so a failure shows what broke.
 * The table must have an INT `id` key and a `version` column that only grows.
 */
import { ChangeLog } from './change-log.js';
import type { PositionedRecord } from './topic-reader.js';

export class SnapshotLog {
  /** Records in offset order. */
  readonly records: PositionedRecord[];

  constructor(records: PositionedRecord[]) {
    this.records = [...records].sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  }

  /** The snapshot's `r` events, in offset order. */
  get reads(): PositionedRecord[] {
    return this.records.filter((r) => r.value?.op === 'r');
  }

  /** Last value per id, deletes and tombstones removing it, sorted by id. */
  stateRows(): Record<string, unknown>[] {
    return [...new ChangeLog(this.records).state().values()].sort((a, b) => (a.id as number) - (b.id as number));
  }

  /** Change events whose op is not r/c/u/d. */
  badOps(): string[] {
    return this.records.filter((r) => r.value && !['r', 'c', 'u', 'd'].includes(r.value.op)).map((r) => `${r.offset}: op ${r.value!.op}`);
  }

  /**
   * Keys whose `version` went down, or that came back after their delete. Streamed events
   * repeated by a replay after a crash (same GTID and order, see ChangeLog.identity) are
   * left out first unless `keepReplays`: a replay repeats older events by design (at least once).
   */
  regressions(keepReplays = false): string[] {
    const seen = new Set<string>();
    const last = new Map<number, number | 'd'>();
    const out: string[] = [];
    for (const r of this.records) {
      const v = r.value;
      if (!v) continue;
      if (v.op !== 'r' && !keepReplays) {
        const id = ChangeLog.identity(r)!;
        if (seen.has(id)) continue;
        seen.add(id);
      }
      const key = (r.key as { id: number }).id;
      const previous = last.get(key);
      const version: number | 'd' = v.op === 'd' ? 'd' : (v.after!.version as number);
      if (previous === 'd') out.push(`id ${key}: ${v.op} version ${version} at offset ${r.offset} after its delete`);
      else if (version !== 'd' && previous !== undefined && version < previous) {
        out.push(`id ${key}: ${v.op} version ${version} at offset ${r.offset} after version ${previous}`);
      }
      last.set(key, version);
    }
    return out;
  }

  /**
   * source.snapshot problems, by Debezium's markers. Streamed events are `false`. Reads of a
   * snapshot requested while streaming are all `incremental`. The topic's other reads (a
   * planned snapshot) are `true` between one opening marker on the first of them (`first`,
   * or `first_in_data_collection` when another table's read came first) and at most one
   * closing marker on the last (`last`, or `last_in_data_collection`). The messages name
   * openings 'first' and closings 'last'.
   */
  markerProblems(): string[] {
    const out: string[] = [];
    const planned = this.reads.filter((r) => r.value!.source.snapshot !== 'incremental');
    for (const r of this.records) {
      if (!r.value) continue;
      const marker = String(r.value.source.snapshot);
      const ok = r.value.op === 'r' ? PLANNED_MARKERS.has(marker) || marker === 'incremental' : marker === 'false';
      if (!ok) out.push(`${r.offset}: ${r.value.op} with snapshot ${marker}`);
    }
    if (planned.length === 0 && this.reads.length > 0) return out;
    // A table of one row: its only read is both first and last, and carries one marker.
    if (new Set(planned.map((r) => JSON.stringify(r.key))).size === 1 && planned.every((r) => r.key !== null)) {
      for (const r of planned) {
        if (!OPENING.has(String(r.value!.source.snapshot)) && !CLOSING.has(String(r.value!.source.snapshot))) {
          out.push(`${r.offset}: the only row's read is marked ${String(r.value!.source.snapshot)}`);
        }
      }
      return out;
    }
    const firsts = planned.filter((r) => OPENING.has(String(r.value!.source.snapshot)));
    const lasts = planned.filter((r) => CLOSING.has(String(r.value!.source.snapshot)));
    if (firsts.length !== 1) out.push(`${firsts.length} 'first' markers (offsets ${firsts.map((r) => r.offset).join(', ')})`);
    else if (firsts[0] !== planned[0]) out.push(`'first' at offset ${firsts[0]!.offset}, but the first r is at ${planned[0]!.offset}`);
    if (lasts.length > 1) out.push(`${lasts.length} 'last' markers (offsets ${lasts.map((r) => r.offset).join(', ')})`);
    else if (lasts.length === 1 && lasts[0] !== planned.at(-1)) out.push(`'last' at offset ${lasts[0]!.offset}, but the last r is at ${planned.at(-1)!.offset}`);
    return out;
  }

  /**
   * Ids of the first `rows` (the table before the writer started) that are alive in
   * `finalIds` but have no `r` event: rows the snapshot dropped because the stream changed
   * them inside their chunk's window. Shows the writer really hit chunks in flight.
   */
  droppedInWindow(rows: number, finalIds: ReadonlySet<number>): number {
    const read = new Set(this.reads.map((r) => (r.key as { id: number }).id));
    let n = 0;
    for (let id = 1; id <= rows; id++) if (finalIds.has(id) && !read.has(id)) n++;
    return n;
  }
}

/** Debezium's markers that open and close one table's reads in a planned snapshot. */
const OPENING: ReadonlySet<string> = new Set(['first', 'first_in_data_collection']);
const CLOSING: ReadonlySet<string> = new Set(['last', 'last_in_data_collection']);
const PLANNED_MARKERS: ReadonlySet<string> = new Set([...OPENING, 'true', ...CLOSING]);
