import type { TributaryError } from '../errors/tributary-error.js';
import type { Logger } from '../logger.js';
import { withRetry, type RetryOptions } from '../with-retry.js';

interface Outage {
  since: number;
  attempts: number;
}

/**
 * Says when a dependency (the binlog connection, Kafka, the checkpoint store, ...) becomes
 * unavailable and when it is back: one warning as an outage begins and one info line as it
 * ends, however many retries lie between, so a ten-second broker restart is two log lines,
 * not fifty. It also answers how long an outage has lasted, which bounds the retries.
 */
export class OutageLog {
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly outages = new Map<string, Outage>();
  /** Failed attempts per dependency since the start, outages over or not (the retries metric). */
  private readonly attempts = new Map<string, number>();

  constructor(logger: Logger, now: () => number = Date.now) {
    this.log = logger;
    this.now = now;
  }

  /** Reports a failed attempt at `what`; returns how long the outage has lasted (ms). */
  failing(what: string, err: TributaryError, retryForMs: number): number {
    const now = this.now();
    this.attempts.set(what, (this.attempts.get(what) ?? 0) + 1);
    const outage = this.outages.get(what);
    if (outage) {
      outage.attempts++;
      return now - outage.since;
    }
    this.outages.set(what, { since: now, attempts: 1 });
    this.log.warn(`${what} unavailable: ${err.message}; retrying for up to ${seconds(retryForMs)}`, { code: err.code });
    return 0;
  }

  /** Reports that `what` works again; logs the end of its outage, if there was one. */
  recovered(what: string): void {
    const outage = this.outages.get(what);
    if (!outage) return;
    this.outages.delete(what);
    this.log.info(`${what} available again after ${seconds(this.now() - outage.since)} (${outage.attempts} failed attempt(s))`);
  }

  /** Whether `what` is in an outage now. */
  isFailing(what: string): boolean {
    return this.outages.has(what);
  }

  /** Names of the dependencies in an outage now. */
  get current(): string[] {
    return [...this.outages.keys()];
  }

  /** Failed attempts so far, per dependency. */
  get retries(): ReadonlyMap<string, number> {
    return this.attempts;
  }

  /** `withRetry` for `what`, reporting the outage's beginning and end here. */
  async retry<T>(what: string, op: (attempt: number) => Promise<T>, options: Omit<RetryOptions, 'onRetry'>): Promise<T> {
    const result = await withRetry(op, { ...options, onRetry: (err) => this.failing(what, err, options.maxMs) });
    this.recovered(what);
    return result;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
