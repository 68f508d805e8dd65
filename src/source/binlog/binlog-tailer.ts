import ZongJi from '@vlasky/zongji';
import type { Position } from '../../model/position.js';
import type { SourceBatch } from '../../model/change-event.js';
import type { TableFilter } from '../../route/table-filter.js';
import type { Logger } from '../../logger.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { mysqlError } from '../mysql-error.js';
import { mysqlConnectionOptions } from '../mysql-connection-options.js';
import type { MysqlEndpoint } from './server-check.js';
import { TransactionAssembler, type RowsEventLike, type StreamObserver, type TableResolver } from './transaction-assembler.js';

export interface BinlogTailerOptions {
  endpoint: MysqlEndpoint;
  /** This pipeline's replica id; unique among the server's replicas. */
  serverId: number;
  /** The source server's own server_id, for `source.server_id`. */
  sourceServerId: number;
  /** Where to start: the checkpoint, or null for the current end of the binlog. */
  from: Position | null;
  filter: TableFilter;
  tables: TableResolver;
  /** Connection options the row decoding relies on (e.g. dateStrings). */
  rowOptions: Record<string, unknown>;
  /** Batches hand-off; called synchronously in commit order. */
  onBatch: (batch: SourceBatch) => void;
  /** Reports a failure to the pipeline; the tailer never throws into the void. */
  onError: (err: TributaryError) => void;
  logger: Logger;
  /** Events per batch at most, so one huge transaction streams in pieces. */
  maxBatchEvents?: number;
  /** Sees the stream in order (the snapshot's watermarks and windows). */
  observer?: StreamObserver | undefined;
}

const EVENTS = ['rotate', 'tablemap', 'writerows', 'updaterows', 'deleterows', 'xid', 'query', 'mariadbgtid', 'gtid'];


/**
 * Tails the binlog over one replication connection (zongji) from a stored position and
 * turns row events into ChangeEvent batches in commit order. It marks transaction
 * boundaries: only a batch that ends a transaction carries a position, so a checkpoint
 * can never point inside a transaction.
 */
export class BinlogTailer {
  private readonly options: BinlogTailerOptions;
  private readonly assembler: TransactionAssembler;
  private zongji: ZongJi | null = null;
  private started: Promise<void> | null = null;
  private closed: Promise<void> | null = null;
  private paused = false;

  constructor(options: BinlogTailerOptions) {
    this.options = options;
    this.assembler = new TransactionAssembler({
      tables: options.tables,
      filter: options.filter,
      maxBatchEvents: options.maxBatchEvents ?? 500,
      emit: options.onBatch,
      serverId: options.sourceServerId,
      observer: options.observer,
      info: (message) => options.logger.info(message),
    });
  }

  /** Connects and starts streaming; resolves once the server streams. Safe to call twice. */
  start(signal?: AbortSignal): Promise<void> {
    this.started ??= this.open(signal);
    return this.started;
  }

  /** Stops reading from the socket (back-pressure); events already parsed still arrive. */
  pause(): void {
    if (this.paused || !this.zongji) return;
    this.paused = true;
    connectionOf(this.zongji)?.pause();
  }

  resume(): void {
    if (!this.paused || !this.zongji) return;
    this.paused = false;
    connectionOf(this.zongji)?.resume();
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      const z = this.zongji;
      if (!z) return resolve();
      const timer = setTimeout(resolve, 3_000);
      z.once('stopped', () => {
        clearTimeout(timer);
        resolve();
      });
      this.resume();
      z.stop();
    });
    return this.closed;
  }

  private open(signal?: AbortSignal): Promise<void> {
    const { endpoint, from } = this.options;
    const where = `${endpoint.host}:${endpoint.port}`;
    const zongji = new ZongJi({ ...mysqlConnectionOptions(endpoint), ...this.options.rowOptions });
    this.zongji = zongji;
    signal?.addEventListener('abort', () => void this.close(), { once: true });

    return new Promise<void>((resolve, reject) => {
      // zongji is 'ready' before the server has accepted the start position; the server's
      // first event (a rotate to the start file) is the proof that it did. Until then an
      // error, such as a purged position, rejects start() so the caller can react to it.
      let ready = false;
      const streaming = (): void => {
        if (ready) return;
        ready = true;
        this.options.logger.info('streaming the binlog', { from: from ? describe(from) : 'current end' });
        resolve();
      };
      zongji.on('error', (err: unknown) => {
        const error = mysqlError(err, 'stream the binlog', where);
        if (!ready) reject(error);
        else if (!this.closed) this.options.onError(error);
      });
      zongji.on('binlog', (event: RowsEventLike) => {
        streaming();
        try {
          this.assembler.accept(event, () => this.currentPosition());
        } catch (err) {
          this.options.onError(
            err instanceof TributaryError ? err : new TributaryError(`binlog event could not be read: ${String(err)}`, { code: 'BINLOG_STREAM', cause: err }),
          );
          void this.close();
        }
      });
      const start: Record<string, unknown> = { serverId: this.options.serverId, includeEvents: EVENTS };
      if (from?.gtid) start.gtidSet = from.gtid;
      else if (from) Object.assign(start, { filename: from.file, position: from.pos });
      else start.startAtEnd = true;
      zongji.start(start);
    });
  }

  /** The resume point zongji tracks; only meaningful at a commit marker. */
  private currentPosition(): Position {
    const z = this.zongji as unknown as { gtidSet?: string; options: { filename?: string; position?: number } };
    return { gtid: z.gtidSet ?? null, file: z.options.filename ?? '', pos: z.options.position ?? 0 };
  }
}

function connectionOf(z: ZongJi): { pause(): void; resume(): void } | null {
  return (z as unknown as { connection?: { pause(): void; resume(): void } }).connection ?? null;
}

function describe(p: Position): string {
  return p.gtid ? `gtid ${p.gtid}` : `${p.file}:${p.pos}`;
}
