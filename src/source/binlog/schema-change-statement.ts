import type { SchemaChange } from '../../model/schema-change.js';
import type { TableFilter } from '../../route/table-filter.js';
import { DdlParser, parseDdlStatement, tokenize, type TableName } from './ddl-statement.js';

/** What a statement did to one table, as a schema-change message says it (Debezium's tableChanges[].type). */
export type TableChangeType = 'CREATE' | 'ALTER' | 'DROP' | 'RENAME' | 'TRUNCATE';

export interface SchemaChangeStatement {
  /** The statement's kind: `CREATE TABLE`, `ALTER TABLE`, `DROP TABLE`, `RENAME TABLE`, `TRUNCATE TABLE`, `CREATE INDEX`, `DROP INDEX`. */
  kind: string;
  /** Each table it touched, in statement order; for a rename, the new name and the old one. */
  tables: { type: TableChangeType; table: TableName; previous: TableName | null }[];
}

/**
 * Reads a QUERY event's statement as a change of table definitions: CREATE TABLE, ALTER
 * TABLE, DROP TABLE, RENAME TABLE, TRUNCATE and CREATE/DROP INDEX. Returns null for any
 * other statement, temporary tables (never in the row binlog) and unqualified names
 * without a default database. `defaultDb` is the event's schema.
 */
export function parseSchemaChangeStatement(query: string, defaultDb: string): SchemaChangeStatement | null {
  const ends = parseDdlStatement(query, defaultDb);
  const tokens = tokenize(query);
  if (!tokens) return null;
  const p = new DdlParser(tokens, defaultDb);
  const first = p.keyword();
  if (ends?.kind === 'truncate') return { kind: 'TRUNCATE TABLE', tables: [{ type: 'TRUNCATE', table: ends.table, previous: null }] };
  if (ends?.kind === 'drop') return { kind: 'DROP TABLE', tables: ends.tables.map((table) => ({ type: 'DROP' as const, table, previous: null })) };
  if (ends?.kind === 'rename') {
    return {
      kind: first === 'ALTER' ? 'ALTER TABLE' : 'RENAME TABLE',
      tables: ends.renames.map((r) => ({ type: 'RENAME' as const, table: r.to, previous: r.from })),
    };
  }
  if (first === 'ALTER') {
    p.accept('ONLINE');
    p.accept('IGNORE');
    if (!p.accept('TABLE')) return null;
    if (p.accept('IF') && !p.accept('EXISTS')) return null;
    const table = p.name();
    return table ? { kind: 'ALTER TABLE', tables: [{ type: 'ALTER', table, previous: null }] } : null;
  }
  if (first === 'CREATE') {
    if (p.accept('OR') && !p.accept('REPLACE')) return null;
    if (p.accept('TEMPORARY')) return null;
    if (p.accept('TABLE')) {
      if (p.accept('IF') && !(p.accept('NOT') && p.accept('EXISTS'))) return null;
      const table = p.name();
      return table ? { kind: 'CREATE TABLE', tables: [{ type: 'CREATE', table, previous: null }] } : null;
    }
    if (!p.accept('ONLINE')) p.accept('OFFLINE');
    if (!p.accept('UNIQUE') && !p.accept('FULLTEXT')) p.accept('SPATIAL');
    if (!p.accept('INDEX')) return null;
    const table = indexTable(p);
    return table ? { kind: 'CREATE INDEX', tables: [{ type: 'ALTER', table, previous: null }] } : null;
  }
  if (first === 'DROP') {
    if (!p.accept('ONLINE')) p.accept('OFFLINE');
    if (!p.accept('INDEX')) return null;
    const table = indexTable(p);
    return table ? { kind: 'DROP INDEX', tables: [{ type: 'ALTER', table, previous: null }] } : null;
  }
  return null;
}

/** After `INDEX`: `[IF [NOT] EXISTS] name [USING type] ON table`. */
function indexTable(p: DdlParser): TableName | null {
  if (p.accept('IF')) {
    p.accept('NOT');
    if (!p.accept('EXISTS')) return null;
  }
  if (p.keyword() === null && !p.name()) return null;
  if (p.accept('USING')) p.keyword();
  if (!p.accept('ON')) return null;
  return p.name();
}

/**
 * The statement as a SchemaChange of the published tables it touched (a rename: either
 * name published), null when none; the assembler fills in where it stands in the binlog.
 */
export function schemaChangeOf(query: string, defaultDb: string, filter: TableFilter, tsMs: number): SchemaChange | null {
  const parsed = parseSchemaChangeStatement(query, defaultDb);
  if (!parsed) return null;
  const touched = parsed.tables.filter(
    (t) => filter.includes(t.table.db, t.table.table) || (t.previous !== null && filter.includes(t.previous.db, t.previous.table)),
  );
  if (touched.length === 0) return null;
  return {
    ddl: query,
    kind: parsed.kind,
    db: touched[0]!.table.db,
    tables: touched.map((t) => ({
      type: t.type,
      db: t.table.db,
      table: t.table.table,
      previous: t.previous ? `${t.previous.db}.${t.previous.table}` : null,
      definition: null,
    })),
    ts_ms: tsMs,
    server_id: 0,
    gtid: null,
    file: '',
    pos: 0,
  };
}
