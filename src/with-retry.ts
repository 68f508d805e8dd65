import { TributaryError } from './errors/tributary-error.js';

export interface RetryOptions {
  /** Give up once this much time has passed since the first attempt. */
  maxMs: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** Told about each failed attempt that will be retried. */
  onRetry?: (err: TributaryError, attempt: number, delayMs: number) => void;
  /** Injected so tests need not wait. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

/**
 * The one retry helper: retries `op` while it fails with a retriable TributaryError,
 * with exponential backoff and jitter, until `maxMs` has passed or `signal` aborts.
 * Whether an error is retriable is decided where it entered (the mysql and kafka edges),
 * so this helper only reads the flag.
 */
export async function withRetry<T>(op: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const initial = options.initialDelayMs ?? 200;
  const cap = options.maxDelayMs ?? 10_000;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await op(attempt);
    } catch (err) {
      if (!(err instanceof TributaryError) || !err.retriable) throw err;
      const delay = Math.min(cap, initial * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
      if (options.signal?.aborted || now() - started + delay > options.maxMs) throw err;
      options.onRetry?.(err, attempt, Math.round(delay));
      await sleep(delay, options.signal);
    }
  }
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
