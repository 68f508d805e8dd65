import type { ColumnType } from '../schema/column-type.js';
import { cursorParameter, cursorValue, type KeyCursor } from './key-cursor.js';
import type { SnapshotTable } from './snapshot-table.js';
import { quoteName } from '../quote-name.js';

/** How one chunk-key column is read into a cursor and compared against it in SQL. */
interface KeyBinding {
  /** Extra select-list expression whose value goes into the cursor, or null for the column itself. */
  cursorExpr: string | null;
  /** The SQL standing for the bound cursor value. */
  param: string;
  /** Integers, decimals and ordinals bind as exact text: a JS number would arrive as a DOUBLE. */
  asText: boolean;
}

const UNSIGNED_PARAM = 'CAST(CAST(? AS CHAR) AS UNSIGNED)';

function bindingOf(column: string, t: ColumnType): KeyBinding {
  switch (t.family) {
    case 'integer':
      // MySQL documents a string compared with an integer column as a DOUBLE comparison,
      // which rounds above 2^53 (servers avoid it only by optimisation); CAST makes it an
      // exact integer comparison and keeps the index usable. The inner CAST AS CHAR is
      // needed too: MySQL 9.7 casts a bound parameter straight to UNSIGNED through a
      // DOUBLE, so 18446744073709551613 compared as ...552000 and the cursor never moved.
      return { cursorExpr: null, param: t.unsigned ? UNSIGNED_PARAM : 'CAST(CAST(? AS CHAR) AS SIGNED)', asText: true };
    case 'decimal':
      return { cursorExpr: null, param: `CAST(? AS DECIMAL(${t.precision},${t.scale}))`, asText: true };
    case 'bit':
    case 'enum':
    case 'set':
      // ORDER BY sorts these by number (ENUM by ordinal) but compares them with a string as
      // text, which would page in a different order: page by the number on both sides.
      return { cursorExpr: `${quoteName(column)} + 0`, param: UNSIGNED_PARAM, asText: true };
    default:
      // Strings compare in the column's collation (the column's coercibility wins over the
      // parameter's), temporal text converts to the column's type, binary compares bytewise.
      return { cursorExpr: null, param: '?', asText: false };
  }
}

/**
 * The statements that read one table in chunk-key order, built once per SnapshotTable.
 * Rows come back as arrays (rowsAsArray) in `columns` order followed by the cursor
 * expressions: the order RowDecoder.decodeValues reads.
 */
export class ChunkQuery {
  /** SELECT of the first chunk: append the LIMIT. */
  readonly first: string;
  /** SELECT of a chunk after a cursor: append the LIMIT. */
  readonly after: string;
  /** The whole table in one statement, unordered. */
  readonly all: string;
  readonly count: string;
  /** Per chunk-key column: where its cursor value sits in a row array. */
  private readonly cursorIndex: readonly number[];
  private readonly asText: readonly boolean[];
  /** Per statement parameter of `after`: which cursor value it binds. */
  private readonly paramSource: readonly number[];

  constructor(t: SnapshotTable) {
    const names = t.schema.columns.map((c) => c.name);
    const from = `FROM ${quoteName(t.db)}.${quoteName(t.table)}`;
    const selectList = names.map(quoteName);
    const cursorIndex: number[] = [];
    const bindings = t.chunkKey.map((name, i) => {
      const binding = bindingOf(name, t.chunkKeyTypes[i] as ColumnType);
      if (binding.cursorExpr === null) {
        cursorIndex.push(names.indexOf(name));
      } else {
        cursorIndex.push(selectList.length);
        selectList.push(binding.cursorExpr);
      }
      return binding;
    });
    this.cursorIndex = cursorIndex;
    this.asText = bindings.map((b) => b.asText);

    // (k1, k2, k3) > (v1, v2, v3) expanded, which every server version can run as an index
    // range: k1 > v1 OR (k1 = v1 AND k2 > v2) OR (k1 = v1 AND k2 = v2 AND k3 > v3). The
    // leading k1 >= v1 gives optimizers that miss the OR's range an obvious one.
    const keys = t.chunkKey.map(quoteName);
    const paramSource: number[] = [];
    const disjuncts: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      const terms: string[] = [];
      for (let j = 0; j < i; j++) {
        terms.push(`${keys[j]} = ${bindings[j]?.param}`);
        paramSource.push(j);
      }
      terms.push(`${keys[i]} > ${bindings[i]?.param}`);
      paramSource.push(i);
      disjuncts.push(terms.length === 1 ? (terms[0] as string) : `(${terms.join(' AND ')})`);
    }
    let where = disjuncts.join(' OR ');
    if (keys.length > 1) {
      where = `${keys[0]} >= ${bindings[0]?.param} AND (${where})`;
      paramSource.unshift(0);
    }
    this.paramSource = paramSource;

    const select = `SELECT ${selectList.join(', ')} ${from}`;
    const order = `ORDER BY ${keys.join(', ')}`;
    this.first = `${select} ${order}`;
    this.after = `${select} WHERE ${where} ${order}`;
    this.all = `SELECT ${names.map(quoteName).join(', ')} ${from}`;
    this.count = `SELECT COUNT(*) AS n ${from}`;
  }

  /** The parameters of `after` for a cursor (already checked for length). */
  parameters(cursor: KeyCursor): unknown[] {
    const values = cursor.map((v, i) => {
      const p = cursorParameter(v);
      return this.asText[i] && (typeof p === 'number' || typeof p === 'bigint') ? String(p) : p;
    });
    return this.paramSource.map((i) => values[i]);
  }

  cursorOf(values: readonly unknown[]): KeyCursor {
    return this.cursorIndex.map((i) => cursorValue(values[i]));
  }
}
