import { TributaryError } from '../../errors/tributary-error.js';
import type { Row } from '../../model/change-event.js';

/**
 * An opaque position inside a table's chunk-key order: the key of the last row read, as
 * the server returned it (before any Avro conversion), one value per chunk-key column.
 * It is JSON-safe as it is: binary values are `{"b64": ...}`, bigints `{"bigint": "..."}`,
 * so a checkpoint can store it with JSON.stringify and hand it back after JSON.parse.
 */
export type KeyCursor = readonly unknown[];

function cursorError(detail: string): TributaryError {
  return new TributaryError(`snapshot cursor is not one this version of Tributary wrote: ${detail}`, {
    code: 'SNAPSHOT',
    fix: 'restart the snapshot of this table from its beginning (remove its snapshot progress from the checkpoint)',
  });
}

/** One key value as mysql2 returned it, in its JSON-safe cursor form. */
export function cursorValue(raw: unknown): unknown {
  if (raw === null || typeof raw === 'string' || typeof raw === 'boolean') return raw;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw cursorError(`non-finite key value ${raw}`);
    return raw;
  }
  if (typeof raw === 'bigint') return { bigint: raw.toString() };
  if (raw instanceof Uint8Array) {
    return { b64: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
  }
  throw cursorError(`unexpected key value of type ${typeof raw}`);
}

/** The value to bind back as a statement parameter for one cursor value. */
export function cursorParameter(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.b64 === 'string') return Buffer.from(o.b64, 'base64');
    if (typeof o.bigint === 'string' && /^-?\d+$/.test(o.bigint)) return BigInt(o.bigint);
  }
  throw cursorError(JSON.stringify(value) ?? String(value));
}

/** Checks a cursor's shape before it reaches SQL. */
export function checkCursor(cursor: KeyCursor, columns: number): void {
  if (!Array.isArray(cursor) || cursor.length !== columns) {
    throw cursorError(`expected ${columns} key values, got ${JSON.stringify(cursor)}`);
  }
}

function keyPart(value: unknown, column: string): string | null {
  switch (typeof value) {
    case 'number':
      return `n${value}`;
    case 'bigint':
      return `i${value}`;
    case 'string':
      return `s${value}`;
    case 'boolean':
      return value ? 't' : 'f';
    case 'object':
      if (value === null) return null;
      if (value instanceof Uint8Array) {
        return `x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
      }
  }
  throw new TributaryError(`key column ${column} holds a ${typeof value}, not an Avro physical value`, {
    code: 'PIPELINE',
    fix: 'compute row keys from Rows made by a RowDecoder',
  });
}

/**
 * The canonical string of a Row's key columns. Rows are compared after RowDecoder, whose
 * output for a value is the same whether the value came from the binlog or a SELECT, so
 * the same stored key gives the same string on both paths.
 *
 * Equality here is exact (byte for byte), NOT the column collation's: under a
 * case-insensitive collation 'a' and 'A' are different strings. That is what matching a
 * snapshot row against binlog changes needs: a row's stored key is always exactly its
 * before or its after image, so a change that rewrites 'a' to 'A' is recognised as long as
 * the caller matches both images of an update.
 */
export function rowKey(row: Row, columns: readonly string[]): string {
  const parts: (string | null)[] = new Array(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i] as string;
    parts[i] = keyPart(row[column], column);
  }
  // JSON quoting keeps the parts apart whatever characters the strings hold.
  return JSON.stringify(parts);
}
