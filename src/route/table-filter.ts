import { didYouMean } from '../config/did-you-mean.js';
import { TableGlob } from './table-glob.js';

/** Schemas that hold server or Tributary state, never user data to publish. */
const SYSTEM_SCHEMAS = new Set(['mysql', 'information_schema', 'performance_schema', 'sys', '_tributary']);

/** How many existing names a warning lists when none is a plausible typo. */
const LISTED = 5;

export interface TableName {
  db: string;
  table: string;
}

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

  /**
   * What looks like a mistake given the tables that exist now: an include glob that
   * matches none of them (a typo streams nothing, silently), or excludes that leave
   * nothing to publish. Tables created later are still picked up, hence warnings only.
   */
  warnings(tables: readonly TableName[]): string[] {
    const user = tables.filter((t) => !SYSTEM_SCHEMAS.has(t.db));
    const out: string[] = [];
    for (const glob of this.include) {
      if (user.some((t) => glob.matches(t.db, t.table))) continue;
      const system = tables.some((t) => glob.matches(t.db, t.table));
      out.push(
        system
          ? `include "${glob.pattern}" matches only tables of system schemas (${[...SYSTEM_SCHEMAS].join(', ')}), which are never published`
          : `include "${glob.pattern}" matches no existing table${hint(glob.pattern, user)}`,
      );
    }
    const included = user.filter((t) => this.include.some((g) => g.matches(t.db, t.table)));
    if (included.length > 0 && !included.some((t) => this.includes(t.db, t.table))) {
      out.push(
        `exclude (${this.exclude.map((g) => `"${g.pattern}"`).join(', ')}) excludes every one of the ${included.length} table(s) that include matches: the pipeline publishes nothing`,
      );
    }
    return out;
  }
}

/** The likely intended name, or a few that exist: where the glob's db part went wrong, or its table part. */
function hint(pattern: string, tables: readonly TableName[]): string {
  const dot = pattern.indexOf('.');
  const dbPart = pattern.slice(0, dot);
  const tablePart = pattern.slice(dot + 1);
  const dbGlob = new TableGlob(dbPart);
  const dbs = [...new Set(tables.map((t) => t.db))].sort();
  const matchingDbs = dbs.filter((db) => dbGlob.matchesName(db));
  if (matchingDbs.length === 0) {
    if (dbs.length === 0) return ' (the server has no user tables)';
    const close = didYouMean(dbPart, dbs);
    return close ? `; did you mean "${close}.${tablePart}"?` : `; databases: ${few(dbs)}`;
  }
  const names = [...new Set(tables.filter((t) => matchingDbs.includes(t.db)).map((t) => t.table))].sort();
  const close = didYouMean(tablePart, names);
  if (close) return `; did you mean "${dbPart}.${close}"?`;
  return `; tables in ${few(matchingDbs)}: ${names.length > 0 ? few(names) : '(none)'}`;
}

function few(names: readonly string[]): string {
  const shown = names.slice(0, LISTED).join(', ');
  return names.length > LISTED ? `${shown} and ${names.length - LISTED} more` : shown;
}
