import { loadConfig } from '../config/load-config.js';
import { createLogger, defaultLogFormat, type LogFormat, type LogLevel } from '../logger.js';
import { buildPipeline, pipelineKafka } from '../build-pipeline.js';
import { KafkaLease } from '../standby/kafka-lease.js';
import { exitCodeOf, reportError } from './report-error.js';
import type { PipelineConfig } from '../config/pipeline-config.js';
import type { Logger } from '../logger.js';
import { asTributaryError, TributaryError } from '../errors/tributary-error.js';
import { HttpServer } from '../observe/http-server.js';

/**
 * Runs a pipeline until SIGINT/SIGTERM. A graceful stop stops reading, waits for in-flight
 * messages to be acked, writes a final checkpoint and returns 0. A second signal during
 * the stop gives up waiting (the checkpoint on disk is still safe: it never runs ahead).
 */
export async function startCommand(opts: { config: string; logLevel: LogLevel; logFormat?: LogFormat | undefined }): Promise<number> {
  const format = opts.logFormat ?? defaultLogFormat();
  // Until the config names the pipeline, lines carry no pipeline name.
  let logger = createLogger(opts.logLevel, undefined, undefined, { format });
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      logger.info(`${sig}: stopping after in-flight messages are acked`);
      controller.abort();
    } else {
      logger.warn(`${sig} again: exiting without waiting; the stored checkpoint is still safe`);
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let lease: KafkaLease | null = null;
  let http: HttpServer | null = null;
  try {
    const config = await loadConfig(opts.config);
    logger = createLogger(opts.logLevel, undefined, undefined, { format, pipeline: config.name });
    // First, so /healthz answers (and /readyz says "starting") while a standby waits.
    if (config.http.listen) {
      http = new HttpServer({ listen: config.http.listen, logger: logger.child('http') });
      await http.start();
    }
    if (config.standby.enabled) {
      lease = new KafkaLease({
        kafka: pipelineKafka(config, logger),
        topic: config.standby.topic,
        pipeline: config.name,
        leaseMs: config.standby.lease_ms,
        logger: logger.child('standby'),
      });
      // A holder that lost its lease must not publish one more message, nor save a
      // checkpoint over the new holder's: it exits at once.
      lease.onLost((err) => process.exit(reportError(err)));
      await lease.acquire(controller.signal).catch((err: unknown) => {
        if (!controller.signal.aborted) throw err;
      });
      if (controller.signal.aborted) return 0;
    }
    await runRestartingTransactions(config, logger, controller.signal, http);
    return 0;
  } catch (err) {
    if (format === 'text') return reportError(err);
    // One JSON line with the code and the fix as fields, for whatever collects the logs.
    const e = asTributaryError(err);
    const stack = err instanceof TributaryError || !(err instanceof Error) ? {} : { stack: err.stack };
    logger.error(e.message, { code: e.code, ...(e.fix ? { fix: e.fix } : {}), ...stack });
    return exitCodeOf(e);
  } finally {
    // Released on a graceful stop (or a failure), so a standby takes over at once.
    await lease?.close(true);
    await http?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Runs the pipeline. With exactly-once delivery, a failed Kafka transaction (or Kafka being
 * unreachable) is settled the only exact way: the pipeline is built anew and resumes from
 * the checkpoint its last committed transaction carried, just as a process restart would,
 * for as long as kafka.retry_max_ms allows. At-least-once pipelines ride outages out inside.
 */
async function runRestartingTransactions(config: PipelineConfig, logger: Logger, signal: AbortSignal, http: HttpServer | null): Promise<void> {
  const bound = config.kafka.retry_max_ms;
  let outageSince: number | null = null;
  for (;;) {
    const startedAt = Date.now();
    try {
      const pipeline = await buildPipeline(config, logger);
      http?.observe(pipeline);
      await pipeline.run(signal);
      return;
    } catch (err) {
      const restartable = config.kafka.delivery === 'exactly_once' && err instanceof TributaryError && err.retriable;
      if (signal.aborted || !restartable) throw err;
      const now = Date.now();
      // A run that streamed for a while ends one outage; the next failure starts another.
      if (outageSince === null || now - startedAt > bound) outageSince = now;
      if (now - outageSince > bound) throw err;
      logger.warn(`${err.message}; restarting from the last committed checkpoint`, { code: err.code });
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}
