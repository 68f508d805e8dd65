import type { ChangeEvent, Row } from '../model/change-event.js';
import type { ColumnSpec } from '../model/table-schema.js';
import type { EncodedChange } from '../encode/envelope-encoder.js';
import type { Logger } from '../logger.js';
import { TributaryError } from '../errors/tributary-error.js';
import type { OutboundMessage } from './kafka-sink.js';
import type { RecordSizeLimit } from './record-size-limit.js';

export type OversizedPolicy = 'fail' | 'skip' | 'truncate';

/** The header a truncated record carries: JSON `{"after.body": <original bytes>, ...}`. */
export const TRUNCATED_HEADER = 'tributary.truncated';

export interface RecordSizeGuardOptions {
  limit: RecordSizeLimit;
  policy: OversizedPolicy;
  /** Where skip markers go (`kafka.skipped_topic`). */
  skippedTopic: string;
  pipeline: string;
  /** Re-encodes a truncated change (the pipeline's EnvelopeEncoder). */
  encoder: { encode(event: ChangeEvent, tsMs: number): EncodedChange };
  logger: Logger;
}

interface Cut {
  image: 'before' | 'after';
  column: string;
  bytes: number;
}

/**
 * Keeps records the broker would refuse out of the sink. Such a record fails its request
 * for good, and with it every later change of every table, on every restart. `fits()` is
 * the per-row check (no allocation); only an oversized change pays for `oversized()`,
 * which fails, skips it with a marker on `kafka.skipped_topic`, or truncates its longest
 * string and bytes columns, per `kafka.oversized` (docs/message-format.md).
 */
export class RecordSizeGuard {
  private readonly options: RecordSizeGuardOptions;
  private readonly log: Logger;

  constructor(options: RecordSizeGuardOptions) {
    this.options = options;
    this.log = options.logger.child('size');
  }

  fits(encoded: EncodedChange): boolean {
    const { limit } = this.options;
    return limit.fits(limit.recordBytes(encoded.key, encoded.value));
  }

  /**
   * What to publish instead of `encoded`, which does not fit: pushed to `out`. Throws the
   * RECORD_TOO_LARGE error with policy fail, or when truncation cannot make it fit.
   */
  oversized(event: ChangeEvent, topic: string, encoded: EncodedChange, tsMs: number, out: OutboundMessage[]): void {
    const { limit, policy } = this.options;
    const bytes = limit.recordBytes(encoded.key, encoded.value);
    if (policy === 'skip') {
      out.push(this.skipMarker(event, topic, bytes));
      this.log.warn(`skipped a ${event.op} change on ${label(event)} key ${keyJson(event)} at ${where(event)}: ${bytes} bytes, over kafka.max_message_bytes (${limit.maxMessageBytes}); marker on ${this.options.skippedTopic}`);
      return;
    }
    if (policy === 'truncate') {
      const truncated = this.truncate(event, encoded, bytes, tsMs);
      if (truncated) {
        out.push({ topic, key: truncated.key, value: truncated.value, headers: truncated.headers });
        return;
      }
      throw tooLarge(event, bytes, limit.maxMessageBytes, ' (kafka.oversized = "truncate" cannot make it fit: too little of it is in string and bytes columns outside the key)');
    }
    throw tooLarge(event, bytes, limit.maxMessageBytes, '');
  }

  /** A JSON record on the skipped topic; the table topic itself gets nothing for this change. */
  private skipMarker(event: ChangeEvent, topic: string, bytes: number): OutboundMessage {
    const s = event.source;
    const marker = {
      reason: 'oversized',
      pipeline: this.options.pipeline,
      topic,
      db: s.db,
      table: s.table,
      op: event.op,
      key: JSON.parse(keyJson(event)) as unknown,
      bytes,
      max_message_bytes: this.options.limit.maxMessageBytes,
      source: { ts_ms: s.ts_ms, snapshot: s.snapshot, gtid: s.gtid, file: s.file, pos: s.pos, row: s.row },
      transaction: event.transaction,
    };
    return { topic: this.options.skippedTopic, key: Buffer.from(`${s.db}.${s.table}`), value: Buffer.from(JSON.stringify(marker)) };
  }

  /**
   * Cuts the longest string and bytes columns (never key columns, never decimals) to one
   * common length, the largest at which the record fits, and re-encodes; null if even
   * cutting them all to nothing is not enough.
   */
  private truncate(event: ChangeEvent, encoded: EncodedChange, bytes: number, tsMs: number): { key: Buffer | null; value: Buffer; headers: Record<string, string> } | null {
    const { limit } = this.options;
    const cuttable = event.schema.columns.filter((c) => isCuttable(c) && !event.schema.primaryKey.includes(c.name));
    const candidates: Cut[] = [];
    for (const image of ['before', 'after'] as const) {
      const row = event[image];
      if (!row) continue;
      for (const c of cuttable) {
        const v = row[c.name];
        const n = typeof v === 'string' ? Buffer.byteLength(v) : Buffer.isBuffer(v) ? v.length : 0;
        if (n > 0) candidates.push({ image, column: c.name, bytes: n });
      }
    }
    candidates.sort((a, b) => b.bytes - a.bytes);
    let slack = 0;
    for (let attempt = 0; attempt < 3; attempt++) {
      // The header names the cut columns, so its size depends on the cut: start as if every
      // candidate were cut, then shrink to the header of the actual cut. A higher cap cuts
      // fewer columns, so the header only shrinks and the record still fits.
      let headerBytes = headerSize(limit, candidates);
      let cap: number | null = null;
      for (let i = 0; i < 4; i++) {
        cap = capFor(candidates, bytes + headerBytes + slack - limit.maxRecordBytes);
        if (cap === null) return null;
        const c = cap;
        const actual = headerSize(limit, candidates.filter((x) => x.bytes > c));
        if (actual === headerBytes) break;
        headerBytes = actual;
      }
      const c = cap!;
      const cuts = candidates.filter((x) => x.bytes > c);
      const images: Record<'before' | 'after', Row | null> = { before: event.before ? { ...event.before } : null, after: event.after ? { ...event.after } : null };
      for (const x of cuts) images[x.image]![x.column] = cut(images[x.image]![x.column], c);
      const again = this.options.encoder.encode({ ...event, before: images.before, after: images.after }, tsMs);
      const headers = { [TRUNCATED_HEADER]: truncationJson(cuts) };
      const size = limit.recordBytes(again.key, again.value, headers);
      if (limit.fits(size)) {
        this.log.warn(
          `truncated a ${event.op} change on ${label(event)} key ${keyJson(event)} at ${where(event)} from ${bytes} to ${size} bytes to fit kafka.max_message_bytes (${limit.maxMessageBytes}): ` +
            cuts.map((x) => `${x.image}.${x.column} ${x.bytes} -> at most ${c} bytes`).join(', '),
        );
        return { key: again.key, value: again.value, headers };
      }
      slack += size - limit.maxRecordBytes;
    }
    return null;
  }
}

/** Bytes the truncation header adds for these cuts (the record's own overhead aside). */
function headerSize(limit: RecordSizeLimit, cuts: readonly Cut[]): number {
  return limit.recordBytes(null, null, { [TRUNCATED_HEADER]: truncationJson(cuts) }) - limit.recordBytes(null, null);
}

function truncationJson(cuts: readonly Cut[]): string {
  return JSON.stringify(Object.fromEntries(cuts.map((c) => [`${c.image}.${c.column}`, c.bytes])));
}

/** The largest length to cut the longest candidates to so that at least `excess` bytes go; null if none is enough. */
function capFor(sorted: readonly Cut[], excess: number): number | null {
  let sum = 0;
  for (let k = 1; k <= sorted.length; k++) {
    sum += sorted[k - 1]!.bytes;
    const cap = Math.floor((sum - excess) / k);
    const next = k < sorted.length ? sorted[k]!.bytes : 0;
    if (cap >= next) return cap;
  }
  return null;
}

function isCuttable(c: ColumnSpec): boolean {
  if (typeof c.avro === 'string') return c.avro === 'string' || c.avro === 'bytes';
  return (c.avro.type === 'string' || c.avro.type === 'bytes') && c.avro.logicalType === undefined;
}

/** `value` cut to at most `max` bytes; a string only at a character boundary. */
function cut(value: unknown, max: number): unknown {
  if (Buffer.isBuffer(value)) return value.subarray(0, max);
  const utf8 = Buffer.from(value as string);
  let end = max;
  while (end > 0 && (utf8[end]! & 0xc0) === 0x80) end--;
  return utf8.toString('utf8', 0, end);
}

function label(event: ChangeEvent): string {
  return `${event.source.db}.${event.source.table}`;
}

function where(event: ChangeEvent): string {
  const s = event.source;
  return s.gtid ? `gtid ${s.gtid} (${s.file}:${s.pos})` : `${s.file}:${s.pos}`;
}

/** The primary-key values as JSON, e.g. `{"id":42}`; `null` for a table without a key. */
function keyJson(event: ChangeEvent): string {
  const { primaryKey, columns } = event.schema;
  if (primaryKey.length === 0) return 'null';
  const row = (event.op === 'd' ? event.before : event.after) ?? event.before ?? event.after ?? {};
  const key: Record<string, unknown> = {};
  for (const name of primaryKey) key[name] = jsonValue(row[name], columns.find((c) => c.name === name));
  return JSON.stringify(key);
}

/** A column value for a log line and the skip marker: decimals as decimal text, bytes as hex, longs as numbers when exact. */
function jsonValue(v: unknown, column: ColumnSpec | undefined): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Buffer.isBuffer(v)) {
    const avro = column && typeof column.avro === 'object' ? column.avro : null;
    if (avro?.logicalType === 'decimal') return decimalText(v, Number(avro.scale ?? 0));
    return `0x${v.toString('hex')}`;
  }
  return v;
}

function decimalText(bytes: Buffer, scale: number): string {
  let n = bytes.length === 0 ? 0n : BigInt.asIntN(bytes.length * 8, BigInt(`0x${bytes.toString('hex')}`));
  const negative = n < 0n;
  if (negative) n = -n;
  let digits = n.toString().padStart(scale + 1, '0');
  if (scale > 0) digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${digits}` : digits;
}

function tooLarge(event: ChangeEvent, bytes: number, max: number, why: string): TributaryError {
  return new TributaryError(
    `a ${event.op} change on ${label(event)} with key ${keyJson(event)} at ${where(event)} is ${bytes} bytes as a Kafka record, over kafka.max_message_bytes (${max})${why}`,
    {
      code: 'RECORD_TOO_LARGE',
      fix:
        `raise the broker's message.max.bytes, the topic's max.message.bytes and kafka.max_message_bytes together above ${bytes} (and consumers' max.partition.fetch.bytes and fetch.max.bytes), ` +
        'or set kafka.oversized = "skip" or "truncate"; the checkpoint stays before this change, so the next start publishes it',
    },
  );
}
