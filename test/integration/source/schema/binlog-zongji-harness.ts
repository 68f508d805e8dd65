import ZongJi, { type AnyBinlogEvent, type TableMapEvent, type WriteRowsEvent } from '@vlasky/zongji';
import mysql from 'mysql2/promise';
import type { Row } from '../../../../src/model/change-event.js';
import type { TableSchema } from '../../../../src/model/table-schema.js';
import { TableSchemaCache } from '../../../../src/source/schema/table-schema-cache.js';
import { ZONGJI_ROW_OPTIONS } from '../../../../src/source/schema/zongji-row-options.js';
import { ADMIN, PIPELINE_USER } from '../../../support/stack.js';

/** One decoded inserted row with the schema version it was read under. */
export interface ReadRow {
  table: string;
  schema: TableSchema;
  raw: Record<string, unknown>;
  row: Row;
}

// The lane's server (TRIBUTARY_TEST_SOURCE), as every other integration test uses.
export { ADMIN, PIPELINE_USER };

export async function adminConnection(): Promise<mysql.Connection> {
  return mysql.createConnection({ ...ADMIN, multipleStatements: true, ...ZONGJI_ROW_OPTIONS });
}

export function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 10);
}

/**
 * A real ZongJi reading this database's inserts from the end of the binlog, decoding each
 * row through a TableSchemaCache exactly as the tailer is meant to: fromTableMap
 * synchronously for every tablemap event, then the version's RowDecoder for its rows.
 */
export class BinlogReader {
  readonly rows: ReadRow[] = [];
  readonly warnings: string[] = [];
  readonly cache = new TableSchemaCache((m) => this.warnings.push(m));
  private readonly zongji: ZongJi;
  private readonly schemasByTableId = new Map<number, TableSchema>();
  /** The first error met while decoding, if any. */
  failure: unknown = null;

  /** `rowOptions` replaces ZONGJI_ROW_OPTIONS, to show what happens without them. */
  constructor(
    private readonly db: string,
    rowOptions: Record<string, unknown> = ZONGJI_ROW_OPTIONS,
  ) {
    this.zongji = new ZongJi({ ...PIPELINE_USER, ...rowOptions });
  }

  async start(): Promise<void> {
    this.zongji.on('binlog', (event: AnyBinlogEvent) => {
      try {
        if (event.getEventName() === 'tablemap') {
          const tm = event as TableMapEvent;
          this.schemasByTableId.set(tm.tableId, this.cache.fromTableMap(tm));
        } else if (event.getEventName() === 'writerows') {
          const wr = event as WriteRowsEvent;
          const schema = this.schemasByTableId.get(wr.tableId);
          if (!schema) throw new Error(`rows for unknown table id ${wr.tableId}`);
          const decoder = this.cache.decoderFor(schema);
          for (const raw of wr.rows) this.rows.push({ table: schema.table, schema, raw, row: decoder.decode(raw) });
        }
      } catch (err) {
        this.failure ??= err;
      }
    });
    await new Promise<void>((resolve, reject) => {
      this.zongji.once('ready', () => resolve());
      this.zongji.once('error', reject);
      this.zongji.start({
        startAtEnd: true,
        serverId: 1000 + Math.floor(Math.random() * 59_000),
        includeEvents: ['tablemap', 'writerows'],
        includeSchema: { [this.db]: true },
      });
    });
    this.zongji.on('error', (err) => {
      this.failure ??= err;
    });
  }

  /** Waits until `count` rows have been read (or fails on a decoding error or timeout). */
  async waitForRows(count: number, timeoutMs = 15_000): Promise<ReadRow[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.rows.length < count) {
      if (this.failure) throw this.failure;
      if (Date.now() > deadline) throw new Error(`read ${this.rows.length} of ${count} rows in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
    if (this.failure) throw this.failure;
    return this.rows.slice(0, count);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.zongji.once('stopped', () => resolve());
      this.zongji.stop();
      setTimeout(resolve, 2000).unref();
    });
  }
}
