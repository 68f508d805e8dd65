/**
 * One column of a table as Tributary publishes it. `avro` is the non-null Avro type
 * of the column, logical-type attributes included (e.g.
 * `{type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2}`); a nullable
 * column is published as the union `["null", avro]`.
 */
export interface ColumnSpec {
  name: string;
  /** The column's type as MySQL describes it, for logs and docs: `decimal(10,2)`, `bigint unsigned`. */
  sqlType: string;
  nullable: boolean;
  avro: AvroType;
}

/** An Avro schema in its JSON form: a primitive name or a schema object. */
export type AvroType = string | { type: string; [attribute: string]: unknown };

/**
 * A table's shape at one point of the binlog. A new TableSchema object is made when
 * the columns change (ALTER TABLE), so identity comparison tells versions apart and
 * caches keyed on the object stay correct.
 */
export interface TableSchema {
  db: string;
  table: string;
  columns: readonly ColumnSpec[];
  /** Primary-key column names in key order; empty when the table has none. */
  primaryKey: readonly string[];
}
