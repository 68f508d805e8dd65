/**
 * What a consumer of one single-partition data topic sees: the state it rebuilds, and the
 * change events once exact duplicates (same GTID and position in the transaction, which
 * only a replay after a crash produces) are dropped.
 */
import type { PositionedRecord } from './topic-reader.js';

export class ChangeLog {
  /** Records in offset order. */
  readonly records: PositionedRecord[];

  constructor(records: PositionedRecord[]) {
    this.records = [...records].sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  }

  /** The identity of a change event across replays; null for tombstones. */
  static identity(r: PositionedRecord): string | null {
    if (!r.value) return null;
    const tx = r.value.transaction;
    if (!tx) throw new Error(`change event without transaction block at offset ${r.offset}`);
    return `${String(r.value.source.gtid)}#${tx.total_order}`;
  }

  /** Last value per key, deletes and tombstones removing the key, a `t` event every key, keyed by JSON of the key. */
  state(): Map<string, Record<string, unknown>> {
    const state = new Map<string, Record<string, unknown>>();
    for (const r of this.records) {
      if (r.value?.op === 't') {
        state.clear();
        continue;
      }
      const key = JSON.stringify(r.key);
      if (r.value?.after) state.set(key, r.value.after);
      else state.delete(key);
    }
    return state;
  }

  /** Change events (no tombstones), first occurrence of each identity, in offset order. */
  unique(): PositionedRecord[] {
    const seen = new Set<string>();
    const out: PositionedRecord[] = [];
    for (const r of this.records) {
      const id = ChangeLog.identity(r);
      if (id === null || seen.has(id)) continue;
      seen.add(id);
      out.push(r);
    }
    return out;
  }

  /** Change events whose identity appeared at an earlier offset. */
  duplicates(): PositionedRecord[] {
    const seen = new Set<string>();
    const out: PositionedRecord[] = [];
    for (const r of this.records) {
      const id = ChangeLog.identity(r);
      if (id === null) continue;
      if (seen.has(id)) out.push(r);
      else seen.add(id);
    }
    return out;
  }
}
