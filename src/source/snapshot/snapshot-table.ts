import type { Row } from '../../model/change-event.js';
import type { TableSchema } from '../../model/table-schema.js';
import type { ColumnType } from '../schema/column-type.js';

/** A table as the snapshot reads it, described from information_schema by ChunkReader.describe. */
export interface SnapshotTable {
  db: string;
  table: string;
  /**
   * Equal, field for field, to what the binlog path (TableSchemaCache) builds for the same
   * table: same ColumnSpecs, and the primary key the server reports in its table maps
   * (PRIMARY, or the unique NOT NULL index the server promotes when there is none).
   */
  schema: TableSchema;
  /** Converts rows as ChunkReader fetches them (arrays in `schema.columns` order) into Avro physical Rows. */
  decoder: { decodeValues(values: readonly unknown[]): Row };
  /**
   * Columns that order and bound chunks: `schema.primaryKey`, else the unique index whose
   * columns are all NOT NULL with the fewest columns, else [] (unkeyed).
   */
  chunkKey: readonly string[];
  /** The ColumnType of each chunkKey column: how its values are compared in SQL. */
  chunkKeyTypes: readonly ColumnType[];
  /** information_schema.TABLES.TABLE_ROWS, an estimate (for progress and ETA only). */
  estimatedRows: number;
}
