import type { TableMapEvent } from '@vlasky/zongji';
import { TributaryError } from '../../errors/tributary-error.js';

/**
 * Which columns of a TableMap event are nullable, exactly as the binlog says at the time
 * the event was written.
 *
 * Every TABLE_MAP event carries one "may be NULL" bit per column, but zongji 0.9.0 reads
 * those bytes and drops them (TableMap#_readOptionalMetadata starts with
 * `parser.parseBuffer(nullBitmapSize)`). Asking information_schema instead would give the
 * table's CURRENT nullability, which is wrong while replaying binlog written before an
 * ALTER ... NULL/NOT NULL. So, once per process, this module wraps that one method of
 * zongji's TableMap class to copy the bitmap onto the event before zongji skips it. The
 * wrapper only reads; zongji's parsing is unchanged. If a zongji upgrade moves things, the
 * wrapper is not installed and tableMapNullability throws with a fix, instead of
 * publishing guessed nullability.
 */

const NULL_BITMAP = Symbol('tributary.tableMapNullBitmap');
const WRAPPED = Symbol('tributary.wrapped');

interface ZongjiParser {
  _buffer: Buffer;
  _offset: number;
}

interface TableMapInternals {
  columnCount: number;
  [NULL_BITMAP]?: Buffer;
}

type ReadOptionalMetadata = ((this: TableMapInternals, parser: ZongjiParser, zongji: unknown) => unknown) & {
  [WRAPPED]?: true;
};

async function install(): Promise<string | null> {
  try {
    // zongji's package exports only its entry point; its event classes live next to it,
    // and importing the same file URL yields the very module instance zongji uses.
    const url = new URL('./lib/binlog_event.js', import.meta.resolve('@vlasky/zongji')).href;
    const events = (await import(url)) as { TableMap?: { prototype: Record<string, unknown> } };
    const proto = events.TableMap?.prototype;
    const original = proto?._readOptionalMetadata as ReadOptionalMetadata | undefined;
    if (!proto || typeof original !== 'function') return 'TableMap#_readOptionalMetadata not found';
    if (original[WRAPPED]) return null;
    const wrapped: ReadOptionalMetadata = function (this: TableMapInternals, parser, zongji) {
      const size = (this.columnCount + 7) >> 3;
      const at = parser._offset;
      this[NULL_BITMAP] = Buffer.from(parser._buffer.subarray(at, at + size));
      return original.call(this, parser, zongji);
    };
    wrapped[WRAPPED] = true;
    proto._readOptionalMetadata = wrapped;
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const installProblem = await install();

function incompatible(detail: string): TributaryError {
  return new TributaryError(`cannot read column nullability from the binlog: ${detail}`, {
    code: 'BINLOG_STREAM',
    retriable: false,
    fix: 'use @vlasky/zongji 0.9.x (the version Tributary was built against), or update src/source/schema/table-map-nullability.ts for the new version',
  });
}

/** Per column, whether the TableMap event declares it nullable. */
export function tableMapNullability(event: TableMapEvent): boolean[] {
  if (installProblem !== null) throw incompatible(installProblem);
  const bitmap = (event as unknown as TableMapInternals)[NULL_BITMAP];
  if (bitmap === undefined || bitmap.length < (event.columnCount + 7) >> 3) {
    throw incompatible(`event for ${event.schemaName}.${event.tableName} carries no null bitmap`);
  }
  const nullable = new Array<boolean>(event.columnCount);
  for (let i = 0; i < event.columnCount; i++) {
    // Bit i of the bitmap, least significant bit first within each byte.
    nullable[i] = (((bitmap[i >> 3] as number) >> (i & 7)) & 1) === 1;
  }
  return nullable;
}

/** The raw bitmap, for cheap "did anything change" comparisons; undefined when absent. */
export function tableMapNullBitmap(event: TableMapEvent): Buffer | undefined {
  return (event as unknown as TableMapInternals)[NULL_BITMAP];
}
