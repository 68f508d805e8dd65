import { TributaryError } from '../../errors/tributary-error.js';
import type { Row } from '../../model/change-event.js';
import type { TableSchema } from '../../model/table-schema.js';
import { columnConverter, type ColumnConverter, type Warn } from './column-converter.js';
import type { ColumnType } from './column-type.js';

/**
 * Converts rows of one TableSchema version, as zongji (or mysql2 with ZONGJI_ROW_OPTIONS)
 * delivers them, into Rows of Avro physical values (see Row in model/change-event.ts).
 * Everything that depends on the column types is decided once in the constructor; a row
 * costs one object and one converter call per non-null column.
 */
export class RowDecoder {
  readonly schema: TableSchema;
  private readonly names: readonly string[];
  private readonly converters: readonly ColumnConverter[];
  /** What an absent (undefined) value becomes: '' for ENUM, whose invalid value 0 zongji leaves undefined. */
  private readonly absent: readonly ('' | null)[];

  constructor(schema: TableSchema, types: readonly ColumnType[], warn: Warn) {
    if (types.length !== schema.columns.length) {
      throw new TributaryError(
        `RowDecoder for ${schema.db}.${schema.table}: ${schema.columns.length} columns but ${types.length} column types`,
        { code: 'PIPELINE', fix: 'build the decoder from the column types its TableSchema was made from' },
      );
    }
    this.schema = schema;
    this.names = schema.columns.map((c) => c.name);
    this.converters = schema.columns.map((c, i) =>
      columnConverter(types[i] as ColumnType, { db: schema.db, table: schema.table, column: c.name, warn }),
    );
    this.absent = types.map((t) => (t.family === 'enum' ? '' : null));
  }

  decode(row: Readonly<Record<string, unknown>>): Row {
    const out: Row = {};
    const { names, converters, absent } = this;
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      const value = row[name];
      out[name] =
        value === null ? null : value === undefined ? absent[i] : (converters[i] as ColumnConverter)(value);
    }
    return out;
  }
}
