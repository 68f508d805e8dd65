import ZongJi from '@vlasky/zongji';
import type { Position } from '../../model/position.js';
import type { SourceBatch } from '../../model/change-event.js';
import type { TableFilter } from '../../route/table-filter.js';
import type { Logger } from '../../logger.js';
import { TributaryError, asTributaryError } from '../../errors/tributary-error.js';
import type { OutageLog } from '../../observe/outage-log.js';
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
  /** Where to start: the checkpoint's position, or the first start's. */
  from: Position;
  filter: TableFilter;
  tables: TableResolver;
  /** Connection options the row decoding relies on (e.g. dateStrings). */
  rowOptions: Record<string, unknown>;
  /** Batches hand-off; called synchronously in commit order. */
  onBatch: (batch: SourceBatch) => void;
  /** Reports a failure to the pipeline; the tailer never throws into the void. */
  onError: (err: TributaryError) => void;
  logger: Logger;
  /** How long a lost connection is retried before the tailer gives up (source.retry_max_ms). */
  retryMaxMs: number;
  outages: OutageLog;
  /** Events per batch at most, so one huge transaction streams in pieces. */
  maxBatchEvents?: number;
  /** Sees the stream in order (the snapshot's watermarks and windows). */
  observer?: StreamObserver | undefined;
  /** Hand on DDL statements on published tables as schema changes. */
  schemaChanges?: boolean;
}

const EVENTS = ['rotate', 'tablemap', 'writerows', 'updaterows', 'deleterows', 'xid', 'query', 'mariadbgtid', 'gtid'];
const OUTAGE = 'binlog connection';

/**
 * Tails the binlog over one replication connection (zongji) from a stored position and
 * turns row events into ChangeEvent batches in commit order. It marks transaction
 * boundaries: only a batch that ends a transaction carries a position, so a checkpoint
 * can never point inside a transaction.
 *
 * A lost connection (a server restart, a network cut) is reopened, with backoff, for up
 * to `retryMaxMs`, at the position after the last commit it handed on. A transaction cut
 * off midway is read again from its start, and the assembler skips the events of it that
 * were handed on already, so nothing repeats.
 */
export class BinlogTailer {
  private readonly options: BinlogTailerOptions;
  private readonly assembler: TransactionAssembler;
  private readonly stopping = new AbortController();
  private zongji: ZongJi | null = null;
  private resumeFrom: Position;
  private started: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  private paused = false;

  constructor(options: BinlogTailerOptions) {
    this.options = options;
    this.resumeFrom = options.from;
    this.assembler = new TransactionAssembler({
      tables: options.tables,
      filter: options.filter,
      maxBatchEvents: options.maxBatchEvents ?? 500,
      emit: (batch) => {
        if (batch.commit) this.resumeFrom = batch.commit;
        options.onBatch(batch);
      },
      serverId: options.sourceServerId,
      observer: options.observer,
      info: (message) => options.logger.info(message),
      schemaChanges: options.schemaChanges ?? false,
    });
  }

  /** Connects and starts streaming; resolves once the server streams. Safe to call twice. */
  start(signal?: AbortSignal): Promise<void> {
    signal?.addEventListener('abort', () => void this.close(), { once: true });
    this.started ??= this.connect(this.options.from).then(() => {
      this.options.logger.info('streaming the binlog', { from: describe(this.options.from) });
    });
    return this.started;
  }

  /** Stops reading from the socket (back-pressure); events already parsed still arrive. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    if (this.zongji) connectionOf(this.zongji)?.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.zongji) connectionOf(this.zongji)?.resume();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopping.abort();
      const z = this.zongji;
      this.zongji = null;
      if (z) await stop(z);
    })();
    return this.closing;
  }

  /**
   * Opens one replication connection at `from`; resolves on the server's first event.
   * zongji is 'ready' before the server has accepted the start position; the first event
   * (a rotate to the start file) is the proof that it did. Until then an error, such as a
   * purged position, rejects, so the caller can react to it.
   */
  private connect(from: Position): Promise<void> {
    const { endpoint } = this.options;
    const where = `${endpoint.host}:${endpoint.port}`;
    const zongji = new ZongJi({ ...mysqlConnectionOptions(endpoint), ...this.options.rowOptions });
    this.zongji = zongji;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      zongji.on('error', (err: unknown) => {
        const error = mysqlError(err, 'stream the binlog', where);
        if (!ready) {
          ready = true;
          if (this.zongji === zongji) this.zongji = null;
          void stop(zongji);
          reject(error);
        } else if (this.zongji === zongji && !this.closing) {
          this.lost(zongji, error);
        }
      });
      zongji.on('binlog', (event: RowsEventLike) => {
        if (this.zongji !== zongji) return;
        if (!ready) {
          ready = true;
          if (this.paused) connectionOf(zongji)?.pause();
          resolve();
        }
        try {
          this.assembler.accept(event, () => positionOf(zongji));
        } catch (err) {
          this.options.onError(
            err instanceof TributaryError ? err : new TributaryError(`binlog event could not be read: ${String(err)}`, { code: 'BINLOG_STREAM', cause: err }),
          );
          void this.close();
        }
      });
      const start: Record<string, unknown> = { serverId: this.options.serverId, includeEvents: EVENTS };
      if (from.gtid) start.gtidSet = from.gtid;
      else Object.assign(start, { filename: from.file, position: from.pos });
      zongji.start(start);
    });
  }

  /** The connection broke mid-stream: reopen it after the last commit handed on, or give up. */
  private lost(zongji: ZongJi, error: TributaryError): void {
    this.zongji = null;
    void stop(zongji);
    if (!error.retriable) {
      this.options.onError(error);
      return;
    }
    this.assembler.reset();
    const { outages, retryMaxMs, logger } = this.options;
    outages.failing(OUTAGE, error, retryMaxMs);
    outages
      .retry(OUTAGE, () => this.connect(this.resumeFrom), { maxMs: retryMaxMs, signal: this.stopping.signal })
      .then(
        () => {
          if (this.closing) return;
          logger.info('streaming the binlog again', { from: describe(this.resumeFrom) });
        },
        (err: unknown) => {
          if (this.closing) return;
          const e = asTributaryError(err, 'BINLOG_STREAM');
          this.options.onError(
            e.retriable
              ? new TributaryError(`the binlog connection could not be reopened within source.retry_max_ms (${retryMaxMs} ms): ${e.message}`, {
                  code: e.code,
                  fix: e.fix ?? 'check that the server runs and is reachable, or raise source.retry_max_ms',
                  cause: e,
                })
              : e,
          );
        },
      );
  }
}

/** Stops a zongji instance and waits (briefly) for it to let go of its connections. */
function stop(z: ZongJi): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 3_000);
    z.once('stopped', () => {
      clearTimeout(timer);
      resolve();
    });
    connectionOf(z)?.resume();
    try {
      z.stop();
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

/** The resume point zongji tracks; only meaningful at a commit marker. */
function positionOf(zongji: ZongJi): Position {
  const z = zongji as unknown as { gtidSet?: string; options: { filename?: string; position?: number } };
  return { gtid: z.gtidSet ?? null, file: z.options.filename ?? '', pos: z.options.position ?? 0 };
}

function connectionOf(z: ZongJi): { pause(): void; resume(): void } | null {
  return (z as unknown as { connection?: { pause(): void; resume(): void } | null }).connection ?? null;
}

function describe(p: Position): string {
  return p.gtid ? `gtid ${p.gtid}` : `${p.file}:${p.pos}`;
}
