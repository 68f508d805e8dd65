/** One row of `SHOW INDEX FROM db.table` (the columns this module reads). */
export interface IndexPart {
  Key_name: string;
  Non_unique: number | string;
  Seq_in_index: number | string;
  /** Null for a functional (expression) index part on MySQL 8. */
  Column_name: string | null;
  /** 'YES' when the column may hold NULL, '' otherwise. */
  Null: string;
}

export interface TableKeys {
  /** What the server's binlog table maps call the primary key (see keysOf). */
  primaryKey: string[];
  /** Columns that order and bound snapshot chunks; [] when the table has no usable key. */
  chunkKey: string[];
}

interface Index {
  name: string;
  unique: boolean;
  notNull: boolean;
  columns: string[];
}

/** Indexes in SHOW INDEX order (the server's own key order), parts in key order. */
function indexesOf(parts: readonly IndexPart[]): Index[] {
  const byName = new Map<string, { index: Index; parts: IndexPart[] }>();
  for (const p of parts) {
    let entry = byName.get(p.Key_name);
    if (!entry) {
      entry = { index: { name: p.Key_name, unique: Number(p.Non_unique) === 0, notNull: true, columns: [] }, parts: [] };
      byName.set(p.Key_name, entry);
    }
    entry.parts.push(p);
  }
  const indexes: Index[] = [];
  for (const { index, parts: own } of byName.values()) {
    own.sort((a, b) => Number(a.Seq_in_index) - Number(b.Seq_in_index));
    if (own.some((p) => p.Column_name === null)) continue;
    index.columns = own.map((p) => p.Column_name as string);
    index.notNull = own.every((p) => p.Null !== 'YES');
    indexes.push(index);
  }
  return indexes;
}

/**
 * The keys of a table from its SHOW INDEX rows and the columns information_schema marks
 * COLUMN_KEY = 'PRI'.
 *
 * Without a PRIMARY KEY, MySQL and MariaDB promote a unique index whose columns are all
 * NOT NULL to primary key (the first one in their key order, not necessarily the
 * narrowest), and the binlog's table maps carry that index as the primary key. The
 * schema built here must equal the binlog's, so the promoted index is recognised by the
 * server's own marking (its columns are the 'PRI' ones) rather than by re-implementing
 * the server's rules.
 */
export function keysOf(parts: readonly IndexPart[], priColumns: ReadonlySet<string>): TableKeys {
  const indexes = indexesOf(parts);
  const primary =
    indexes.find((i) => i.name === 'PRIMARY') ??
    (priColumns.size === 0
      ? undefined
      : indexes.find((i) => i.unique && i.columns.length === priColumns.size && i.columns.every((c) => priColumns.has(c))));
  const primaryKey = primary ? [...primary.columns] : [];
  if (primaryKey.length > 0) return { primaryKey, chunkKey: [...primaryKey] };
  // Left: unique NOT NULL indexes the server did not promote (e.g. with prefix parts).
  let best: Index | undefined;
  for (const i of indexes) {
    if (i.unique && i.notNull && (!best || i.columns.length < best.columns.length)) best = i;
  }
  return { primaryKey, chunkKey: best ? [...best.columns] : [] };
}
