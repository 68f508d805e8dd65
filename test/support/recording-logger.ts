import type { Logger } from '../../src/logger.js';

/** A logger that keeps its lines as `<level> <message>`, so tests can see what was reported. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = {
    lines,
    debug: (m: string) => void lines.push(`debug ${m}`),
    info: (m: string) => void lines.push(`info ${m}`),
    warn: (m: string) => void lines.push(`warn ${m}`),
    error: (m: string) => void lines.push(`error ${m}`),
    child: () => logger,
  };
  return logger;
}
