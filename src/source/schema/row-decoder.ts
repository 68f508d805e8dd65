import { TributaryError } from '../../errors/tributary-error.js';
import type { Row } from '../../model/change-event.js';
import type { ColumnSpec, TableSchema } from '../../model/table-schema.js';
import type { MaskableFamily, TableColumns } from '../../route/column-policy.js';
import { columnConverter, type ColumnConverter, type Warn } from './column-converter.js';
import type { ColumnType } from './column-type.js';

/**
 * Converts rows of one TableSchema version, as zongji (or mysql2 with ZONGJI_ROW_OPTIONS)
 * delivers them, into Rows of Avro physical values (see Row in model/change-event.ts).
 * Everything that depends on the column types is decided once in the constructor (down to
 * a compiled function per table version); a row costs one object and one converter call per
 * non-null column. Column rules ([[columns]]) are applied here too, so the snapshot and the
 * binlog drop and mask alike: `schema` is the published schema, without the dropped columns
 * and with masked ones as strings.
 */
export class RowDecoder {
  readonly schema: TableSchema;
  /** Converts a row record (zongji's images) by column name. */
  readonly decode: (row: Readonly<Record<string, unknown>>) => Row;
  /** Converts a row array holding the published columns in `schema.columns` order (a snapshot SELECT). */
  readonly decodeValues: (values: readonly unknown[]) => Row;

  constructor(source: TableSchema, types: readonly ColumnType[], warn: Warn, columns: TableColumns | null = null) {
    if (types.length !== source.columns.length) {
      throw new TributaryError(
        `RowDecoder for ${source.db}.${source.table}: ${source.columns.length} columns but ${types.length} column types`,
        { code: 'PIPELINE', fix: 'build the decoder from the column types its TableSchema was made from' },
      );
    }
    const names: string[] = [];
    const converters: ColumnConverter[] = [];
    const absent: ('' | null)[] = [];
    const specs: ColumnSpec[] = [];
    const keyColumns = new Set(source.primaryKey);
    source.columns.forEach((c, i) => {
      const type = types[i] as ColumnType;
      const convert = columnConverter(type, { db: source.db, table: source.table, column: c.name, warn });
      const action = columns?.actionFor(c, maskableFamily(type), keyColumns.has(c.name)) ?? null;
      if (action?.kind === 'drop') return;
      names.push(c.name);
      absent.push(type.family === 'enum' ? '' : null);
      if (action === null) {
        converters.push(convert);
        specs.push(c);
      } else {
        const mask = action.apply;
        // Integers hash as their decimal text, whatever their Avro form, so an INT and a
        // BIGINT UNSIGNED holding the same number hash alike.
        converters.push(type.family === 'integer' ? (value) => mask(String(value)) : (value) => mask(convert(value)));
        specs.push(action.spec);
      }
    });
    if (columns) {
      for (const name of columns.unknownColumns(source.columns.map((c) => c.name))) {
        warn(`[[columns]] names ${name}, which ${source.db}.${source.table} does not have`);
      }
    }
    // Without rules the schema object stays the same, so identity still tells versions apart.
    this.schema = specs.length === source.columns.length && specs.every((s, i) => s === source.columns[i])
      ? source
      : Object.freeze({ ...source, columns: Object.freeze(specs) });
    this.decode = compileDecoder(names, converters, absent, (i) => `row[${JSON.stringify(names[i])}]`, 'row');
    this.decodeValues = compileDecoder(names, converters, absent, (i) => `values[${i}]`, 'values');
  }
}

/**
 * A decoder for one table version, compiled to a function that returns one object literal.
 * A loop storing `out[name]` is a keyed store with a different key each time, which V8 can
 * only do through its slow generic path, and every row object grows through 11 shape
 * transitions; a literal gets one fixed shape and plain property stores (the benchmark's
 * 11-column row went from about 1.2 to 0.7 µs; decimalBytes' shortcut brings it to 0.4). Names enter the source only
 * through JSON.stringify, so any column name is a plain string literal.
 */
function compileDecoder<A>(
  names: readonly string[],
  converters: readonly ColumnConverter[],
  absent: readonly ('' | null)[],
  read: (i: number) => string,
  arg: string,
): (input: A) => Row {
  // A literal's plain "__proto__" key would set the prototype; a computed one is a property.
  const key = (name: string) => (name === '__proto__' ? `[${JSON.stringify(name)}]` : JSON.stringify(name));
  const fields = names.map(
    (name, i) => `${key(name)}: (v = ${read(i)}) === null ? null : v === undefined ? absent[${i}] : c${i}(v)`,
  );
  const params = names.map((_, i) => `c${i}`);
  const make = new Function('absent', ...params, `return function decode(${arg}) { let v; return {\n${fields.join(',\n')}\n}; };`);
  return make(absent, ...converters) as (input: A) => Row;
}

function maskableFamily(t: ColumnType): MaskableFamily {
  if (t.family === 'text' || t.family === 'json') return 'text';
  return t.family === 'binary' || t.family === 'integer' ? t.family : 'other';
}
