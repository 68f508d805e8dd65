import { TableGlob } from './table-glob.js';

/** Schemas that hold server or Tributary state, never user data to publish. */
const SYSTEM_SCHEMAS = new Set(['mysql', 'information_schema', 'performance_schema', 'sys', '_tributary']);

/**
 * Decides which tables a pipeline publishes: included by any `include` glob and by no
 * `exclude` glob. Decisions are cached per table because the binlog asks for every row event.
 */
export class TableFilter {
  private readonly include: TableGlob[];
  private readonly exclude: TableGlob[];
  private readonly decided = new Map<string, boolean>();

  constructor(include: readonly string[], exclude: readonly string[] = []) {
    this.include = include.map((p) => new TableGlob(p));
    this.exclude = exclude.map((p) => new TableGlob(p));
  }

  includes(db: string, table: string): boolean {
    const id = `${db}.${table}`;
    let verdict = this.decided.get(id);
    if (verdict === undefined) {
      verdict =
        !SYSTEM_SCHEMAS.has(db) &&
        this.include.some((g) => g.matches(db, table)) &&
        !this.exclude.some((g) => g.matches(db, table));
      this.decided.set(id, verdict);
    }
    return verdict;
  }
}
