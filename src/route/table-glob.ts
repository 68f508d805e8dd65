/**
 * A `db.table` pattern with `*` (any run of characters) and `?` (one character).
 * Compiled once to a RegExp; matching is case-sensitive like MySQL table names on Linux.
 */
export class TableGlob {
  readonly pattern: string;
  private readonly regex: RegExp;

  constructor(pattern: string) {
    this.pattern = pattern;
    const body = pattern
      .split('')
      .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$+.()|{}[\]]/g, '\\$&')))
      .join('');
    this.regex = new RegExp(`^${body}$`);
  }

  matches(db: string, table: string): boolean {
    return this.regex.test(`${db}.${table}`);
  }

  /** Matches one name alone, for a glob made of one part of a `db.table` pattern. */
  matchesName(name: string): boolean {
    return this.regex.test(name);
  }
}
