import { createHash } from 'node:crypto';
import { TributaryError } from '../errors/tributary-error.js';
import type { ColumnSpec } from '../model/table-schema.js';
import { TableGlob } from './table-glob.js';

/** One `[[columns]]` entry of the config, as parsed. */
export interface ColumnRulesConfig {
  match: string;
  include?: readonly string[] | undefined;
  exclude: readonly string[];
  hash: readonly string[];
  hash_salt?: string | undefined;
  mask: Readonly<Record<string, number>>;
  truncate: Readonly<Record<string, number>>;
}

/** What happens to one column on its way out: dropped, or its value replaced. */
export type ColumnAction =
  | { kind: 'drop' }
  | { kind: 'replace'; spec: ColumnSpec; apply: (value: unknown) => unknown };

/** The kind of values a column holds, as far as masking cares. */
export type MaskableFamily = 'text' | 'binary' | 'integer' | 'other';

interface Rule {
  kind: 'hash' | 'mask' | 'truncate' | 'drop';
  /** The `[[columns]]` entry it came from, for messages: `columns[2].hash`. */
  key: string;
  length: number;
  salt: string;
}

/**
 * The column rules for one table: which columns are published and what masks their values.
 * Built once per table version; `actionFor` is asked once per column, never per row.
 */
export class TableColumns {
  constructor(
    readonly db: string,
    readonly table: string,
    private readonly rules: ReadonlyMap<string, Rule>,
    private readonly include: ReadonlySet<string> | null,
    private readonly includeKey: string,
  ) {}

  /**
   * Null keeps the column as it is. A primary-key column may only be hashed: dropping or
   * shortening it would merge distinct keys, and compaction would then delete rows.
   */
  actionFor(spec: ColumnSpec, family: MaskableFamily, inKey: boolean): ColumnAction | null {
    const rule = this.rules.get(spec.name) ?? (this.include && !this.include.has(spec.name) ? ({ kind: 'drop', key: this.includeKey, length: 0, salt: '' } as Rule) : undefined);
    if (!rule) return null;
    const id = `${this.db}.${this.table}.${spec.name}`;
    if (inKey && rule.kind !== 'hash') {
      throw new TributaryError(`${rule.key} would ${rule.kind === 'drop' ? 'remove' : rule.kind} primary-key column ${id}`, {
        code: 'CONFIG_INVALID',
        fix: `keep ${spec.name} published, or hash it (the hash is stable, so keys stay distinct): move it to the entry's hash list`,
      });
    }
    if (rule.kind === 'drop') return { kind: 'drop' };
    if (family === 'other' || (family !== 'text' && rule.kind !== 'hash')) {
      throw new TributaryError(`${rule.key} cannot ${rule.kind} ${spec.sqlType} column ${id}: only character columns${rule.kind === 'hash' ? ', binary and integer ones' : ''} can be`, {
        code: 'CONFIG_INVALID',
        fix: `remove ${spec.name} from ${rule.key}, or exclude the column instead`,
      });
    }
    const out: ColumnSpec = Object.freeze({ name: spec.name, sqlType: spec.sqlType, nullable: spec.nullable, avro: 'string' });
    return { kind: 'replace', spec: out, apply: valueMask(rule) };
  }

  /** Whether the column is published at all (masked or not); for table definitions. */
  publishes(name: string): boolean {
    const rule = this.rules.get(name);
    if (rule) return rule.kind !== 'drop';
    return this.include === null || this.include.has(name);
  }

  /** Names the rules mention that the table does not have: likely typos, worth a warning. */
  unknownColumns(columns: readonly string[]): string[] {
    const have = new Set(columns);
    const named = [...this.rules.keys(), ...(this.include ?? [])];
    return [...new Set(named.filter((n) => !have.has(n)))];
  }
}

function valueMask(rule: Rule): (value: unknown) => unknown {
  switch (rule.kind) {
    case 'hash': {
      const salt = rule.salt;
      // Salt first, then the value's bytes: the same value hashes alike in every table and run.
      return (value) => createHash('sha256').update(salt).update(value as string | Buffer).digest('hex');
    }
    case 'mask': {
      const stars = '*'.repeat(rule.length);
      return () => stars;
    }
    case 'truncate': {
      const n = rule.length;
      return (value) => truncateCodePoints(value as string, n);
    }
    default:
      throw new Error(`no value mask for ${rule.kind}`);
  }
}

/** The first `n` characters (code points, as MySQL counts them), never half a surrogate pair. */
export function truncateCodePoints(s: string, n: number): string {
  if (s.length <= n) return s;
  let i = 0;
  for (let count = 0; count < n && i < s.length; count++) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
  }
  return s.slice(0, i);
}

/**
 * Decides, per table, which columns are published and which are masked (`[[columns]]`).
 * Every entry whose `match` fits a table applies; for a column named by several, the first
 * entry naming it wins. With an `include` list in any matching entry, only the columns some
 * matching `include` names are published.
 */
export class ColumnPolicy {
  private readonly entries: { glob: TableGlob; config: ColumnRulesConfig; index: number }[];
  private readonly decided = new Map<string, TableColumns | null>();

  constructor(entries: readonly ColumnRulesConfig[]) {
    this.entries = entries.map((config, index) => ({ glob: new TableGlob(config.match), config, index }));
  }

  /** Null when no rule touches the table: its rows pass unchanged. */
  forTable(db: string, table: string): TableColumns | null {
    const id = `${db}.${table}`;
    if (this.decided.has(id)) return this.decided.get(id) ?? null;
    const matching = this.entries.filter((e) => e.glob.matches(db, table));
    let decided: TableColumns | null = null;
    if (matching.length > 0) {
      const rules = new Map<string, Rule>();
      let include: Set<string> | null = null;
      let includeKey = '';
      const add = (name: string, rule: Rule) => {
        if (!rules.has(name)) rules.set(name, rule);
      };
      for (const { config: c, index } of matching) {
        const at = `columns[${index}]`;
        for (const name of c.exclude) add(name, { kind: 'drop', key: `${at}.exclude`, length: 0, salt: '' });
        for (const name of c.hash) add(name, { kind: 'hash', key: `${at}.hash`, length: 0, salt: c.hash_salt ?? '' });
        for (const [name, length] of Object.entries(c.mask)) add(name, { kind: 'mask', key: `${at}.mask`, length, salt: '' });
        for (const [name, length] of Object.entries(c.truncate)) add(name, { kind: 'truncate', key: `${at}.truncate`, length, salt: '' });
        if (c.include) {
          include ??= new Set();
          includeKey ||= `${at}.include`;
          for (const name of c.include) include.add(name);
        }
      }
      // A column that is masked is published, whatever include says.
      if (include) for (const [name, rule] of rules) if (rule.kind !== 'drop') include.add(name);
      decided = new TableColumns(db, table, rules, include, includeKey);
    }
    this.decided.set(id, decided);
    return decided;
  }
}
