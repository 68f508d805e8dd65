import type { ChangeEvent, Row, SourceBatch, SourceInfo } from '../../model/change-event.js';
import type { SnapshotProgress } from '../../model/snapshot-progress.js';
import type { Position } from '../../model/position.js';
import type { TableSchema } from '../../model/table-schema.js';
import type { TableFilter } from '../../route/table-filter.js';
import { parseDdlStatement, type DdlStatement, type TableName } from './ddl-statement.js';
import { schemaChangeOf } from './schema-change-statement.js';
import type { StreamInject, StreamObserver } from './stream-observer.js';

export type { StreamInject, StreamObserver };

/** A table's schema version and the decoder for its rows, as of one rows event. */
export interface TableDecoding {
  schema: TableSchema;
  decode(row: Record<string, unknown>): Row;
}

/** Knows each table's schema in force, from the TableMap events that precede its rows. */
export interface TableResolver {
  /** Called for every TableMap event of an included table, before the rows that use it. */
  tableMap(event: RowsEventLike): void;
  /** The schema version and decoder for a rows event. */
  resolve(db: string, table: string): TableDecoding;
  /** The newest schema known for a table, if any (no table map needed). */
  lookup(db: string, table: string): TableSchema | undefined;
  /** The table is gone (dropped, renamed away): a table later made under its name is read afresh. */
  forget(db: string, table: string): void;
}

/** The part of a zongji event the assembler reads. */
export interface RowsEventLike {
  getEventName(): string;
  timestamp: number;
  gtid?: string;
  tableId?: number;
  tableMap?: Record<number, { parentSchema: string; tableName: string }>;
  rows?: Record<string, unknown>[] | { before: Record<string, unknown>; after: Record<string, unknown> }[];
  query?: string;
  /** A QUERY event's default database. */
  schema?: string;
  serverId?: number;
  schemaName?: string;
  tableName?: string;
}

/** QUERY events that do not end the transaction they are in. */
const INSIDE_TRANSACTION = /^(SAVEPOINT|ROLLBACK\s+TO|RELEASE\s+SAVEPOINT|XA\s)/i;

/** Tributary's own schema on the source: watermarks and signals travel through the binlog. */
export const CONTROL_SCHEMA = '_tributary';

export interface TransactionAssemblerOptions {
  tables: TableResolver;
  filter: TableFilter;
  maxBatchEvents: number;
  emit: (batch: SourceBatch) => void;
  /** The source server's id, for `source.server_id` when events do not carry it. */
  serverId?: number;
  observer?: StreamObserver;
  /** One line per table ended by a DDL statement. */
  info?: (message: string) => void;
  /** Hand on each DDL statement on published tables as a SchemaChange (kafka.schema_changes_topic). */
  schemaChanges?: boolean;
}

/**
 * Turns the stream of binlog events into ChangeEvent batches with transaction
 * boundaries. Per row it allocates the event and its rows and nothing else; batches are
 * cut at `maxBatchEvents` so no transaction is ever held whole.
 *
 * An UPDATE that changes the primary key becomes a delete of the old key followed by a
 * create of the new key, so a compacted topic never keeps the old key alive.
 */
export class TransactionAssembler {
  private readonly options: TransactionAssemblerOptions;
  private batch: ChangeEvent[] = [];
  private gtid: string | null = null;
  private totalOrder = 0;
  private readonly tableOrder = new Map<string, number>();
  /** Events of the transaction in progress already handed on (flushed mid-transaction). */
  private emittedInTxn = 0;
  /** After a reset: the transaction cut off, and how many of its first events were handed on already. */
  private resumeTxn: { key: string; skip: number } | null = null;
  /** Where the current transaction starts, for `source.file`/`source.pos`. */
  private txnStart: Position | null = null;
  private serverId: number;
  /** Where the last transaction ended, for injected events between transactions. */
  private lastCommit: Position | null = null;
  private readonly injectFn: StreamInject = (events, progress) => this.inject(events, progress);
  /** The header timestamp of the newest event accepted, for SourceBatch.sourceTs. */
  private eventTs = 0;

  constructor(options: TransactionAssemblerOptions) {
    this.options = options;
    this.serverId = options.serverId ?? 0;
  }

  /**
   * Hands on injected events (a snapshot chunk's rows) at this point of the stream: after
   * every event handed on so far, before the next. Their source block says where that is.
   */
  inject(events: ChangeEvent[], progress?: SnapshotProgress): void {
    const at = this.txnStart ?? this.lastCommit;
    for (let i = 0; i < events.length; i++) {
      const source = events[i]!.source;
      source.server_id = this.serverId;
      if (at) {
        source.file = at.file;
        source.pos = at.pos;
      }
    }
    this.flush(null);
    this.emit(progress ? { events, commit: null, progress } : { events, commit: null });
  }

  /** The stream's observer sees a transaction end (its commit marker or its DDL statement). */
  private ended(gtid: string | null, at: Position): void {
    this.lastCommit = at;
    this.options.observer?.committed?.(gtid, this.injectFn);
  }

  /**
   * Forgets the transaction in progress (a lost connection): the stream is read again from
   * the last commit, so its events will come again from its beginning.
   */
  reset(): void {
    // Its first events went out already: when the same transaction comes again, they are
    // skipped, so a reconnect repeats nothing (with exactly-once, a repeat would be a duplicate
    // inside the open Kafka transaction).
    const key = this.txnKey();
    this.resumeTxn = key !== null && this.emittedInTxn > 0 ? { key, skip: this.emittedInTxn } : null;
    this.batch = [];
    this.gtid = null;
    this.txnStart = null;
    this.totalOrder = 0;
    this.emittedInTxn = 0;
    this.tableOrder.clear();
  }

  /** What identifies the transaction in progress across a reconnect: its GTID, else where it starts. */
  private txnKey(): string | null {
    if (this.gtid !== null) return this.gtid;
    return this.txnStart ? `${this.txnStart.file}:${this.txnStart.pos}` : null;
  }

  /** Takes one event; `position` reads the resume point at this event (cheap, only called at boundaries). */
  accept(event: RowsEventLike, position: () => Position): void {
    if (event.timestamp > this.eventTs) this.eventTs = event.timestamp;
    switch (event.getEventName()) {
      case 'tablemap':
        if (event.schemaName !== undefined && this.follows(event.schemaName, event.tableName ?? '')) {
          this.options.tables.tableMap(event);
        }
        return;
      case 'mariadbgtid':
      case 'gtid':
        this.begin(event, position());
        return;
      case 'writerows':
        this.rows(event, 'c', position);
        return;
      case 'updaterows':
        this.rows(event, 'u', position);
        return;
      case 'deleterows':
        this.rows(event, 'd', position);
        return;
      case 'xid':
        this.commit(position());
        return;
      case 'query': {
        const q = (event.query ?? '').trim();
        const upper = q.length <= 6 ? q.toUpperCase() : '';
        if (upper === 'COMMIT') this.commit(position());
        else if (upper !== 'BEGIN') {
          const gtid = event.gtid ?? this.gtid;
          this.ddl(event, q, position);
          // Otherwise a DDL statement: a transaction of its own, whatever it did to published tables.
          if (INSIDE_TRANSACTION.test(q)) return;
          this.gtid = null;
          this.txnStart = null;
          if (this.options.observer?.committed) this.ended(gtid, position());
        }
        return;
      }
      default:
        return;
    }
  }

  private begin(event: RowsEventLike, at: Position): void {
    if (this.batch.length > 0) this.flush(null);
    this.gtid = event.gtid ?? null;
    if (typeof event.serverId === 'number') this.serverId = event.serverId;
    this.totalOrder = 0;
    this.emittedInTxn = 0;
    this.tableOrder.clear();
    this.txnStart = at;
    if (this.resumeTxn && this.resumeTxn.key !== this.txnKey()) this.resumeTxn = null;
    this.options.observer?.began?.(this.gtid);
  }

  private commit(at: Position): void {
    const gtid = this.gtid;
    this.flush(at);
    this.gtid = null;
    this.txnStart = null;
    this.emittedInTxn = 0;
    this.resumeTxn = null;
    this.ended(gtid, at);
  }

  private rows(event: RowsEventLike, op: 'c' | 'u' | 'd', position: () => Position): void {
    const info = event.tableMap?.[event.tableId ?? -1];
    if (!info || !event.rows) return;
    const db = info.parentSchema;
    const table = info.tableName;
    const observer = this.options.observer;
    if (db === CONTROL_SCHEMA && observer) {
      this.controlRows(event, table, op, observer);
      return;
    }
    if (!this.options.filter.includes(db, table)) return;
    const decoding = this.options.tables.resolve(db, table);
    const watched = observer !== undefined && observer.watches(db, table);
    const schema = decoding.schema;
    const start = this.txnStart ?? (this.txnStart = position());
    const id = `${db}.${table}`;
    const ts = event.timestamp;
    const gtid = event.gtid ?? this.gtid;
    const rows = event.rows;
    for (let i = 0; i < rows.length; i++) {
      const raw = rows[i]!;
      if (op === 'u') {
        const pair = raw as { before: Record<string, unknown>; after: Record<string, unknown> };
        const before = decoding.decode(pair.before);
        const after = decoding.decode(pair.after);
        if (watched) {
          observer.changed(db, table, before);
          observer.changed(db, table, after);
        }
        if (keyChanged(schema, before, after)) {
          this.push(id, { op: 'd', schema, before, after: null, source: source(schema, ts, gtid, start, i, this.serverId), transaction: null });
          this.push(id, { op: 'c', schema, before: null, after, source: source(schema, ts, gtid, start, i, this.serverId), transaction: null });
        } else {
          this.push(id, { op: 'u', schema, before, after, source: source(schema, ts, gtid, start, i, this.serverId), transaction: null });
        }
      } else {
        const image = decoding.decode(raw as Record<string, unknown>);
        if (watched) observer.changed(db, table, image);
        this.push(id, {
          op,
          schema,
          before: op === 'd' ? image : null,
          after: op === 'c' ? image : null,
          source: source(schema, ts, gtid, start, i, this.serverId),
          transaction: null,
        });
      }
    }
    if (this.batch.length >= this.options.maxBatchEvents) this.flush(null);
  }

  /** Whether a table's rows are read at all: published tables, and the control tables. */
  private follows(db: string, table: string): boolean {
    return (db === CONTROL_SCHEMA && this.options.observer !== undefined) || this.options.filter.includes(db, table);
  }

  private controlRows(event: RowsEventLike, table: string, op: 'c' | 'u' | 'd', observer: StreamObserver): void {
    if (op === 'd' || !event.rows) return;
    const decoding = this.options.tables.resolve(CONTROL_SCHEMA, table);
    for (const raw of event.rows) {
      const image = op === 'u' ? (raw as { after: Record<string, unknown> }).after : (raw as Record<string, unknown>);
      observer.control(table, decoding.decode(image), this.injectFn);
    }
  }

  /**
   * A DDL statement is its own transaction, and its QUERY event is the commit marker. For
   * each published table whose rows it ended, a `t` event; for each published table it
   * made by renaming, a snapshot request. Both go in one batch with the position after
   * the statement, so the checkpoint moves past it only once they are delivered.
   */
  private ddl(event: RowsEventLike, query: string, position: () => Position): void {
    const statement = parseDdlStatement(query, event.schema ?? '');
    const change = this.options.schemaChanges ? schemaChangeOf(query, event.schema ?? '', this.options.filter, event.timestamp) : null;
    if (!statement && !change) return;
    const { ended, appeared } = statement ? tableChanges(statement) : { ended: [], appeared: [] };
    const { filter, tables, observer } = this.options;
    const published = ended.filter((t) => filter.includes(t.db, t.table));
    const snapshot = appeared.filter((t) => filter.includes(t.db, t.table)).map((t) => `${t.db}.${t.table}`);
    const gone = statement !== null && statement.kind !== 'truncate';
    if (gone) for (const t of ended) tables.forget(t.db, t.table);
    if (published.length === 0 && snapshot.length === 0 && !change) return;
    if (this.batch.length > 0) this.flush(null);
    const at = position();
    const start = this.txnStart ?? at;
    const gtid = event.gtid ?? this.gtid;
    if (change) {
      change.gtid = gtid;
      change.file = start.file;
      change.pos = start.pos;
      change.server_id = this.serverId;
    }
    for (let i = 0; i < published.length; i++) {
      const { db, table } = published[i]!;
      const schema = tables.lookup(db, table) ?? { db, table, columns: [], primaryKey: [] };
      const src = source(schema, event.timestamp, gtid, start, i, this.serverId);
      src.query = query;
      this.push(`${db}.${table}`, { op: 't', schema, before: null, after: null, source: src, transaction: null });
      this.options.info?.(`${statement!.kind} of ${db}.${table}: its topic gets a t event (${query.length > 200 ? `${query.slice(0, 200)}...` : query})`);
    }
    const progress = published.length > 0 || snapshot.length > 0 ? observer?.tablesChanged(published.map((t) => `${t.db}.${t.table}`), gone, snapshot) : undefined;
    const events = this.batch;
    this.batch = [];
    const batch: SourceBatch = progress ? { events, commit: at, progress } : { events, commit: at };
    if (change) batch.schemaChanges = [change];
    this.emit(batch);
    this.gtid = null;
    this.txnStart = null;
  }

  private push(tableId: string, event: ChangeEvent): void {
    const perTable = (this.tableOrder.get(tableId) ?? 0) + 1;
    this.tableOrder.set(tableId, perTable);
    this.totalOrder++;
    if (this.gtid !== null) {
      event.transaction = { id: this.gtid, total_order: this.totalOrder, data_collection_order: perTable };
    }
    const resume = this.resumeTxn;
    if (resume !== null && resume.skip > 0) {
      resume.skip--;
      return;
    }
    this.batch.push(event);
  }

  private flush(commit: Position | null): void {
    if (this.batch.length === 0 && commit === null) return;
    const events = this.batch;
    this.batch = [];
    if (commit === null) this.emittedInTxn += events.length;
    this.emit({ events, commit });
  }

  private emit(batch: SourceBatch): void {
    if (this.eventTs > 0) batch.sourceTs = this.eventTs;
    this.options.emit(batch);
  }
}

function source(schema: TableSchema, tsMs: number, gtid: string | null, at: Position, row: number, serverId: number): SourceInfo {
  return {
    ts_ms: tsMs,
    snapshot: 'false' as const,
    db: schema.db,
    table: schema.table,
    server_id: serverId,
    gtid,
    file: at.file,
    pos: at.pos,
    row,
    thread: null,
    query: null,
  };
}

/**
 * What a statement did to tables, net of itself: `RENAME TABLE a TO tmp, b TO a, tmp TO b`
 * ends a and b and makes a and b, never tmp.
 */
function tableChanges(statement: DdlStatement): { ended: TableName[]; appeared: TableName[] } {
  if (statement.kind === 'truncate') return { ended: [statement.table], appeared: [] };
  if (statement.kind === 'drop') return { ended: statement.tables, appeared: [] };
  const id = (t: TableName): string => `${t.db}\u0000${t.table}`;
  const made = new Map<string, TableName>();
  const ended: TableName[] = [];
  for (const { from, to } of statement.renames) {
    if (!made.delete(id(from))) ended.push(from);
    made.set(id(to), to);
  }
  return { ended, appeared: [...made.values()] };
}

function keyChanged(schema: TableSchema, before: Row, after: Row): boolean {
  const pk = schema.primaryKey;
  for (let i = 0; i < pk.length; i++) {
    const name = pk[i]!;
    if (!sameValue(before[name], after[name])) return true;
  }
  return false;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return false;
}
