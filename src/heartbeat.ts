import type { TributaryError } from './errors/tributary-error.js';
import { asTributaryError } from './errors/tributary-error.js';
import type { OutageLog } from './observe/outage-log.js';

const OUTAGE = 'heartbeat action query';

export interface HeartbeatOptions {
  intervalMs: number;
  /** heartbeat.action_query, run on the source each beat so the binlog carries a fresh event. */
  action?: (() => Promise<void>) | undefined;
  outages: OutageLog;
  /** How long the action may fail before the pipeline stops (source.retry_max_ms). */
  retryMaxMs: number;
}

export interface HeartbeatHooks {
  /** Send the heartbeat message, in order behind everything handed on. */
  beat(): void;
  fail(err: TributaryError): void;
}

/**
 * heartbeat.interval_ms: every interval the pipeline sends a heartbeat message, whose ack
 * lets the checkpoint save a position moved only by unpublished tables, and, with an
 * action query, writes to the source so an idle server's binlog moves too. A beat whose
 * action is still running is skipped, so a slow server is never queried twice at once.
 */
export class Heartbeat {
  private readonly options: HeartbeatOptions;
  private readonly hooks: HeartbeatHooks;
  private timer: NodeJS.Timeout | null = null;
  private acting = false;
  private closed = false;

  constructor(options: HeartbeatOptions, hooks: HeartbeatHooks) {
    this.options = options;
    this.hooks = hooks;
  }

  /** Starts beating; safe to call twice. */
  start(signal?: AbortSignal): void {
    if (this.timer || this.closed) return;
    signal?.addEventListener('abort', () => this.close(), { once: true });
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    if (this.closed) return;
    this.hooks.beat();
    const action = this.options.action;
    if (!action || this.acting) return;
    this.acting = true;
    action().then(
      () => {
        this.acting = false;
        this.options.outages.recovered(OUTAGE);
      },
      (err: unknown) => {
        this.acting = false;
        if (this.closed) return;
        const e = asTributaryError(err, 'MYSQL_QUERY');
        if (!e.retriable) return this.hooks.fail(e);
        const { outages, retryMaxMs } = this.options;
        if (outages.failing(OUTAGE, e, retryMaxMs) > retryMaxMs) this.hooks.fail(e);
      },
    );
  }
}
