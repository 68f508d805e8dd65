import type { ChangeEvent, Row } from '../../model/change-event.js';
import type { SnapshotProgress } from '../../model/snapshot-progress.js';
import type { TributaryError } from '../../errors/tributary-error.js';
import { rowKey } from './chunk-reader.js';

/** What the stream saw of a table between a chunk's low and high watermarks. */
export interface WindowChanges {
  keys: ReadonlySet<string>;
  anyChange: boolean;
  /** The table was truncated, dropped or renamed inside the window: every row read may be stale. */
  everyKey: boolean;
}

type Build = (changes: WindowChanges) => { events: ChangeEvent[]; progress: SnapshotProgress | undefined };

interface ChunkState {
  table: string;
  keyColumns: readonly string[];
  open: boolean;
  keys: Set<string>;
  anyChange: boolean;
  everyKey: boolean;
  build: Build | null;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The watermark windows of the chunks in flight. The snapshot registers a chunk before
 * writing its low watermark; the stream opens its window at the low watermark, records
 * the keys of every change to the chunk's table while it is open, and at the high
 * watermark asks the chunk for its events, given those keys.
 */
export class SnapshotWindow {
  private readonly chunks = new Map<string, ChunkState>();
  /** Open windows per table, so the per-event question "is this table watched?" is one lookup. */
  private readonly openPerTable = new Map<string, ChunkState[]>();

  /** Registers a chunk; the promise resolves once its rows were handed to the stream. */
  expect(chunk: string, table: string, keyColumns: readonly string[]): Promise<void> {
    const delivered = new Promise<void>((resolve, reject) => {
      this.chunks.set(chunk, { table, keyColumns, open: false, keys: new Set(), anyChange: false, everyKey: false, build: null, resolve, reject });
    });
    // The snapshot awaits this only after its next read; a stop (abortAll) that rejects it
    // before then must not surface as an unhandled rejection, which ends the process.
    delivered.catch(() => undefined);
    return delivered;
  }

  /** Supplies the chunk's rows (as a builder), before its high watermark is written. */
  fill(chunk: string, build: Build): void {
    const state = this.chunks.get(chunk);
    if (state) state.build = build;
  }

  /** Low watermark seen in the stream. Unknown chunks (an earlier run's, replayed) are ignored. */
  open(chunk: string): void {
    const state = this.chunks.get(chunk);
    if (!state || state.open) return;
    state.open = true;
    const list = this.openPerTable.get(state.table);
    if (list) list.push(state);
    else this.openPerTable.set(state.table, [state]);
  }

  watches(table: string): boolean {
    return this.openPerTable.has(table);
  }

  changed(table: string, row: Row): void {
    const list = this.openPerTable.get(table);
    if (!list) return;
    for (const state of list) {
      state.anyChange = true;
      if (state.keyColumns.length > 0) state.keys.add(rowKey(row, state.keyColumns));
    }
  }

  /** The table's rows all went at this point of the stream: every open window of it counts every key as changed. */
  endTable(table: string): void {
    for (const state of this.openPerTable.get(table) ?? []) {
      state.anyChange = true;
      state.everyKey = true;
    }
  }

  /** Drops the chunks of a table whose snapshot stopped (the table is gone); nobody waits for them any more. Returns their ids. */
  forgetTable(table: string): string[] {
    const forgotten: string[] = [];
    for (const [chunk, state] of this.chunks) {
      if (state.table !== table) continue;
      this.chunks.delete(chunk);
      this.unlist(state);
      state.resolve();
      forgotten.push(chunk);
    }
    return forgotten;
  }

  /** High watermark seen in the stream: the chunk's surviving rows go out right here. */
  close(chunk: string, emit: (events: ChangeEvent[], progress: SnapshotProgress | undefined) => void): void {
    const state = this.chunks.get(chunk);
    if (!state) return;
    this.chunks.delete(chunk);
    this.unlist(state);
    if (!state.build) {
      state.reject(new Error(`high watermark of chunk ${chunk} came before its rows`));
      return;
    }
    try {
      const { events, progress } = state.build({ keys: state.keys, anyChange: state.anyChange, everyKey: state.everyKey });
      emit(events, progress);
      state.resolve();
    } catch (err) {
      state.reject(err);
    }
  }

  abortAll(err: TributaryError): void {
    for (const state of this.chunks.values()) state.reject(err);
    this.chunks.clear();
    this.openPerTable.clear();
  }

  private unlist(state: ChunkState): void {
    const list = this.openPerTable.get(state.table);
    if (!list) return;
    const i = list.indexOf(state);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.openPerTable.delete(state.table);
  }
}
