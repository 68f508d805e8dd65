import { loadConfig } from '../config/load-config.js';
import { createLogger, type LogLevel } from '../logger.js';
import { buildPipeline } from '../build-pipeline.js';
import { reportError } from './report-error.js';

/**
 * Runs a pipeline until SIGINT/SIGTERM. A graceful stop stops reading, waits for in-flight
 * messages to be acked, writes a final checkpoint and returns 0. A second signal during
 * the stop gives up waiting (the checkpoint on disk is still safe: it never runs ahead).
 */
export async function startCommand(opts: { config: string; logLevel: LogLevel }): Promise<number> {
  const logger = createLogger(opts.logLevel);
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
  try {
    const config = await loadConfig(opts.config);
    const pipeline = await buildPipeline(config, logger);
    await pipeline.run(controller.signal);
    return 0;
  } catch (err) {
    return reportError(err);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
