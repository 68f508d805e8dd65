/** A table named by a DDL statement, with its database resolved. */
export interface TableName {
  db: string;
  table: string;
}

/**
 * The DDL statements that end a table's rows in place (TRUNCATE), remove the table (DROP)
 * or move its rows to another name (RENAME). Every other statement is of no concern here:
 * ALTERs that change columns reach the stream through the next table map.
 */
export type DdlStatement =
  | { kind: 'truncate'; table: TableName }
  | { kind: 'drop'; tables: TableName[] }
  | { kind: 'rename'; renames: { from: TableName; to: TableName }[] };

export type Token = { word: string; quoted: boolean } | { punct: string };

/**
 * Reads a binlog QUERY event's statement. `defaultDb` is the event's schema (the session's
 * current database), used for unqualified names. Returns null for anything that is not
 * one of the statements above, for temporary tables (never in the row binlog's data), and
 * for an unqualified name without a default database.
 */
export function parseDdlStatement(query: string, defaultDb: string): DdlStatement | null {
  const tokens = tokenize(query);
  if (!tokens) return null;
  const p = new DdlParser(tokens, defaultDb);
  const first = p.keyword();
  if (first === 'TRUNCATE') {
    p.accept('TABLE');
    const table = p.name();
    return table && p.endAfterOptions() ? { kind: 'truncate', table } : null;
  }
  if (first === 'DROP') {
    if (p.accept('TEMPORARY') || !p.accept('TABLE')) return null;
    if (p.accept('IF')) {
      if (!p.accept('EXISTS')) return null;
    }
    const tables = p.nameList();
    return tables && p.endAfterOptions() ? { kind: 'drop', tables } : null;
  }
  if (first === 'RENAME') {
    if (!p.accept('TABLE') && !p.accept('TABLES')) return null;
    if (p.accept('IF')) {
      if (!p.accept('EXISTS')) return null;
    }
    const renames: { from: TableName; to: TableName }[] = [];
    for (;;) {
      const from = p.name();
      // MariaDB: RENAME TABLE a WAIT 5 TO b
      p.skipWait();
      if (!from || !p.accept('TO')) return null;
      const to = p.name();
      if (!to) return null;
      renames.push({ from, to });
      if (!p.punct(',')) break;
    }
    return p.end() ? { kind: 'rename', renames } : null;
  }
  if (first === 'ALTER') {
    p.accept('ONLINE');
    p.accept('IGNORE');
    if (!p.accept('TABLE')) return null;
    if (p.accept('IF')) {
      if (!p.accept('EXISTS')) return null;
    }
    const from = p.name();
    if (!from) return null;
    const to = p.renameClause();
    return to ? { kind: 'rename', renames: [{ from, to }] } : null;
  }
  return null;
}

/** The statement parser, shared with schema-change-statement.ts. */
export class DdlParser {
  private i = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly defaultDb: string,
  ) {}

  /** The next unquoted word, upper-cased, consumed. */
  keyword(): string | null {
    const t = this.tokens[this.i];
    if (!t || !('word' in t) || t.quoted) return null;
    this.i++;
    return t.word.toUpperCase();
  }

  accept(word: string): boolean {
    const t = this.tokens[this.i];
    if (t && 'word' in t && !t.quoted && t.word.toUpperCase() === word) {
      this.i++;
      return true;
    }
    return false;
  }

  punct(p: string): boolean {
    const t = this.tokens[this.i];
    if (t && 'punct' in t && t.punct === p) {
      this.i++;
      return true;
    }
    return false;
  }

  /** `name` or `db.name`, each part bare or backquoted. */
  name(): TableName | null {
    const first = this.identifier();
    if (first === null) return null;
    if (this.punct('.')) {
      const second = this.identifier();
      return second === null ? null : { db: first, table: second };
    }
    return this.defaultDb === '' ? null : { db: this.defaultDb, table: first };
  }

  nameList(): TableName[] | null {
    const names: TableName[] = [];
    do {
      const n = this.name();
      if (!n) return null;
      names.push(n);
    } while (this.punct(','));
    return names;
  }

  skipWait(): void {
    if (this.accept('NOWAIT')) return;
    if (this.accept('WAIT')) this.i++;
  }

  /** After the names: WAIT n, NOWAIT, RESTRICT, CASCADE, then the end. */
  endAfterOptions(): boolean {
    this.skipWait();
    if (!this.accept('RESTRICT')) this.accept('CASCADE');
    return this.end();
  }

  end(): boolean {
    while (this.punct(';'));
    return this.i === this.tokens.length;
  }

  /**
   * The target of a top-level `RENAME [TO|AS] name` clause of an ALTER TABLE, which may
   * stand among other clauses. RENAME COLUMN/INDEX/KEY rename something else.
   */
  renameClause(): TableName | null {
    let depth = 0;
    let clauseStart = true;
    while (this.i < this.tokens.length) {
      const t = this.tokens[this.i]!;
      if ('punct' in t) {
        if (t.punct === '(') depth++;
        else if (t.punct === ')') depth--;
        clauseStart = depth === 0 && t.punct === ',';
        this.i++;
        continue;
      }
      if (depth === 0 && clauseStart && !t.quoted && t.word.toUpperCase() === 'RENAME') {
        this.i++;
        const next = this.tokens[this.i];
        const nextWord = next && 'word' in next && !next.quoted ? next.word.toUpperCase() : null;
        if (nextWord === 'COLUMN' || nextWord === 'INDEX' || nextWord === 'KEY' || nextWord === 'CONSTRAINT') {
          clauseStart = false;
          continue;
        }
        if (nextWord === 'TO' || nextWord === 'AS') this.i++;
        return this.name();
      }
      clauseStart = false;
      this.i++;
    }
    return null;
  }

  private identifier(): string | null {
    const t = this.tokens[this.i];
    if (!t || !('word' in t)) return null;
    this.i++;
    return t.word;
  }
}

/**
 * Words (bare or backquoted, with `` `` `` inside quotes as one backquote), punctuation,
 * and string literals skipped as one word; comments (`/* *\/`, `-- `, `#`) dropped.
 * Returns null on an unterminated quote or comment.
 */
export function tokenize(sql: string): Token[] | null {
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) return null;
      i = close + 2;
    } else if (c === '#' || (c === '-' && sql[i + 1] === '-' && (i + 2 >= n || /\s/.test(sql[i + 2]!)))) {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? n : eol + 1;
    } else if (c === '`') {
      let word = '';
      let j = i + 1;
      for (;;) {
        const close = sql.indexOf('`', j);
        if (close < 0) return null;
        word += sql.slice(j, close);
        if (sql[close + 1] === '`') {
          word += '`';
          j = close + 2;
        } else {
          j = close + 1;
          break;
        }
      }
      tokens.push({ word, quoted: true });
      i = j;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n && sql[j] !== c) j += sql[j] === '\\' ? 2 : 1;
      if (j >= n) return null;
      tokens.push({ word: sql.slice(i, j + 1), quoted: true });
      i = j + 1;
    } else if (/[A-Za-z0-9_$\u0080-\uffff]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j]!)) j++;
      tokens.push({ word: sql.slice(i, j), quoted: false });
      i = j;
    } else {
      tokens.push({ punct: c });
      i++;
    }
  }
  return tokens;
}
