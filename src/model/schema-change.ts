import type { TableChangeType } from '../source/binlog/schema-change-statement.js';

/** One column of a table after a schema change, as information_schema describes it. */
export interface SchemaChangeColumn {
  name: string;
  /** MySQL's full column type: `decimal(10,2)`, `bigint(20) unsigned`, `enum('a','b')`. */
  type: string;
  nullable: boolean;
}

/** A table's definition after the statement; null for a table that is gone (DROP) or could not be read. */
export interface TableDefinition {
  columns: SchemaChangeColumn[];
  /** Primary-key column names in key order; empty without one. */
  primaryKey: string[];
}

export interface SchemaChangeTable {
  type: TableChangeType;
  db: string;
  table: string;
  /** A renamed table's old name, `db.table`. */
  previous: string | null;
  /** Filled by the pipeline before it publishes the change (see docs/message-format.md). */
  definition: TableDefinition | null;
}

/**
 * A DDL statement that touched published tables, where it stands in the binlog. It rides
 * in the batch of its own commit position, so it is delivered in order with the row
 * changes around it and the checkpoint passes it only once it is acked.
 */
export interface SchemaChange {
  ddl: string;
  /** `CREATE TABLE`, `ALTER TABLE`, `DROP TABLE`, `RENAME TABLE`, `TRUNCATE TABLE`, `CREATE INDEX`, `DROP INDEX`. */
  kind: string;
  /** The database of the first table touched (the message key). */
  db: string;
  tables: SchemaChangeTable[];
  ts_ms: number;
  server_id: number;
  gtid: string | null;
  /** Where the statement's transaction starts, as `source.file`/`source.pos` of row changes. */
  file: string;
  pos: number;
}
