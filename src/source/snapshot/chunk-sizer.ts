import type { Row } from '../../model/change-event.js';

/** Rows of the first chunk of a table, before its row size is known. */
const PROBE_ROWS = 256;
/** Rows of each chunk whose size is estimated: spread over the chunk, so the cost stays flat. */
const SAMPLE_ROWS = 32;

/**
 * Sizes a table's chunks by bytes as well as rows (`snapshot.chunk_max_bytes` and
 * `chunk_size`), so a table of 10 kB rows holds about as much in memory per chunk as a
 * table of 100-byte rows. The first chunk is a small probe; after each chunk, a sample of
 * its rows gives the row size the next chunk is cut by. Measured on the rows themselves,
 * not on information_schema's AVG_ROW_LENGTH, which is 0 or stale on a table just filled
 * (MySQL caches it for a day).
 */
export class ChunkSizer {
  private rowBytes: number | null = null;

  constructor(
    private readonly maxRows: number,
    private readonly maxBytes: number,
  ) {}

  /** Rows to read in the next chunk: at least 1, at most `maxRows`. */
  next(): number {
    if (this.rowBytes === null) return Math.min(this.maxRows, PROBE_ROWS);
    return Math.max(1, Math.min(this.maxRows, Math.floor(this.maxBytes / this.rowBytes)));
  }

  /** Notes the size of a chunk's rows (a sample of them). */
  observe(rows: readonly Row[]): void {
    if (rows.length === 0) return;
    const step = Math.max(1, Math.floor(rows.length / SAMPLE_ROWS));
    let bytes = 0;
    let n = 0;
    for (let i = 0; i < rows.length; i += step, n++) bytes += rowBytes(rows[i]!);
    this.rowBytes = Math.max(1, bytes / n);
  }
}

/** About how many bytes a row's values take: string and binary lengths, 8 per number. */
export function rowBytes(row: Row): number {
  let bytes = 0;
  for (const key in row) bytes += key.length + valueBytes(row[key], 2);
  return bytes;
}

function valueBytes(v: unknown, depth: number): number {
  if (v === null || v === undefined) return 1;
  switch (typeof v) {
    case 'string':
      return v.length;
    case 'number':
    case 'bigint':
      return 8;
    case 'boolean':
      return 1;
    case 'object': {
      if (v instanceof Uint8Array) return v.length;
      if (depth === 0) return 8;
      let bytes = 0;
      for (const item of Array.isArray(v) ? v : Object.values(v)) bytes += valueBytes(item, depth - 1);
      return bytes;
    }
    default:
      return 8;
  }
}
