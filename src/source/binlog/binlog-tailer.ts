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
import { PayloadEventReader, type PayloadCursor } from './payload-event-reader.js';

export interface BinlogTailerOptions {
  endpoint: MysqlEndpoint;
  /** This pipeline's replica id; unique among the server's replicas. */
  serverId: number;
  /** The source server's own server_id, for `source.server_id`. */
  sourceServerId: number;
  /** Where to start: the checkpoint's position, or the first start's. */
  from: Position;
  /**
   * Whether the server's positions are GTID sets (ServerInfo.gtid). Without, the stream is
   * opened and resumed by file and offset even from a checkpoint that has a GTID set (one
   * taken before gtid_mode was switched down), and positions carry no GTID set: one
   * tracked while anonymous transactions exist would not name them, so a later resume by
   * it (after a switch up to ON) would send them again.
   */
  byGtid: boolean;
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
/** MySQL's compressed transactions (binlog_transaction_compression=ON): their inner events are EVENTS too. */
const PAYLOAD = 'transactionpayload';
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
 *
 * A compressed transaction arrives as one event; its inner events go through the same
 * assembler one at a time, and stop while the tailer is paused, so a transaction larger
 * than the pipeline's bound streams in pieces like an uncompressed one. Events that
 * arrive meanwhile wait behind it in `queue`, each with the position it was read at.
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
  /** Events not handed on yet, in order: a compressed transaction's rest, and whatever came after it. */
  private readonly queue: PayloadCursor[] = [];
  private draining = false;
  private drainScheduled = false;

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
    options.observer?.attach?.(options.from.gtid, (events, progress) => this.assembler.inject(events, progress));
  }

  /** Connects and starts streaming; resolves once the server streams. Safe to call twice. */
  start(signal?: AbortSignal): Promise<void> {
    signal?.addEventListener('abort', () => void this.close(), { once: true });
    this.started ??= this.connect(this.options.from).then(() => {
      this.options.logger.info('streaming the binlog', { from: describe(this.options.from, this.options.byGtid) });
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
    // The socket stays paused until what waits in the queue is handed on; drained on a
    // later turn, so a batch handed on never re-enters the caller of resume().
    if (this.queue.length === 0) {
      if (this.zongji) connectionOf(this.zongji)?.resume();
    } else if (!this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(() => {
        this.drainScheduled = false;
        this.drain();
        if (!this.paused && this.queue.length === 0 && this.zongji) connectionOf(this.zongji)?.resume();
      });
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopping.abort();
      this.queue.length = 0;
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
  private async connect(from: Position): Promise<void> {
    const { endpoint } = this.options;
    const where = `${endpoint.host}:${endpoint.port}`;
    const options = await mysqlConnectionOptions(endpoint);
    // Closed while the options were made (a "preferred" TLS probe): open nothing.
    if (this.closing) return;
    const zongji = new ZongJi({ ...options, ...this.options.rowOptions });
    this.zongji = zongji;
    const payloads = PayloadEventReader.supported ? new PayloadEventReader(zongji, EVENTS, this.options.byGtid) : null;
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
          if (payloads && event.getEventName() === PAYLOAD) {
            this.queue.push(payloads.open(event));
            this.drain();
          } else if (this.queue.length === 0) {
            this.assembler.accept(event, () => positionOf(zongji, this.options.byGtid));
          } else {
            this.queue.push(single(event, positionOf(zongji, this.options.byGtid)));
          }
        } catch (err) {
          this.failed(err);
        }
      });
      const start: Record<string, unknown> = { serverId: this.options.serverId, includeEvents: payloads ? [...EVENTS, PAYLOAD] : EVENTS };
      if (from.gtid && this.options.byGtid) start.gtidSet = from.gtid;
      else Object.assign(start, { filename: from.file, position: from.pos });
      zongji.start(start);
    });
  }

  /** Hands on queued events until the queue is empty or the tailer is paused; no await per event. */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    const queue = this.queue;
    try {
      while (!this.paused && queue.length > 0) {
        const head = queue[0]!;
        const event = head.next();
        if (event === null) queue.shift();
        else this.assembler.accept(event, head.position);
      }
    } catch (err) {
      this.failed(err);
    } finally {
      this.draining = false;
    }
  }

  private failed(err: unknown): void {
    this.queue.length = 0;
    this.options.onError(
      err instanceof TributaryError ? err : new TributaryError(`binlog event could not be read: ${String(err)}`, { code: 'BINLOG_STREAM', cause: err }),
    );
    void this.close();
  }

  /** The connection broke mid-stream: reopen it after the last commit handed on, or give up. */
  private lost(zongji: ZongJi, error: TributaryError): void {
    this.zongji = null;
    // What waits was read on the lost connection: the new one reads it again from the last commit.
    this.queue.length = 0;
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
          logger.info('streaming the binlog again', { from: describe(this.resumeFrom, this.options.byGtid) });
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

/** An event that arrived while a compressed transaction was still being handed on, with the position read at its arrival. */
function single(event: RowsEventLike, at: Position): PayloadCursor {
  let taken = false;
  return {
    next: () => (taken ? null : ((taken = true), event)),
    position: () => at,
  };
}

/** The resume point zongji tracks; only meaningful at a commit marker. */
function positionOf(zongji: ZongJi, byGtid: boolean): Position {
  const z = zongji as unknown as { gtidSet?: string; options: { filename?: string; position?: number } };
  return { gtid: (byGtid && z.gtidSet) || null, file: z.options.filename ?? '', pos: z.options.position ?? 0 };
}

function connectionOf(z: ZongJi): { pause(): void; resume(): void } | null {
  return (z as unknown as { connection?: { pause(): void; resume(): void } | null }).connection ?? null;
}

function describe(p: Position, byGtid: boolean): string {
  if (p.gtid && byGtid) return `gtid ${p.gtid}`;
  return p.gtid ? `${p.file}:${p.pos} (the position's GTID set is not used: the server's transactions may lack GTIDs)` : `${p.file}:${p.pos}`;
}
