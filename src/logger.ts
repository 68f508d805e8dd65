import pino from 'pino';

/**
 * Levelled, structured logging (pino), injected everywhere so tests can capture it. `json`
 * writes one JSON object per line (what log shippers read: `time`, `level`, `pipeline`,
 * `component`, `msg` and the line's fields); `text` writes the same line for a person:
 * `<time> <LEVEL> <pipeline> [<component>] <msg> <fields as JSON>`.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

export interface LoggerOptions {
  format?: LogFormat;
  /** The pipeline's name, carried by every line. */
  pipeline?: string;
}

/** JSON on a pipe or file (a service manager, a container), text on a terminal. */
export function defaultLogFormat(stream: { isTTY?: boolean } = process.stderr): LogFormat {
  return stream.isTTY ? 'text' : 'json';
}

export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(line),
  component = 'tributary',
  options: LoggerOptions = {},
): Logger {
  const destination = { write: options.format === 'json' ? write : (line: string) => write(textLine(line)) };
  const root = pino(
    {
      level,
      base: options.pipeline === undefined ? null : { pipeline: options.pipeline },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return wrap(root, component);
}

// Children are made from the root, so each line carries one `component` key, not one per level.
function wrap(root: pino.Logger, component: string): Logger {
  const p = root.child({ component });
  return {
    debug: (m, f) => p.debug(fieldsOf(f), m),
    info: (m, f) => p.info(fieldsOf(f), m),
    warn: (m, f) => p.warn(fieldsOf(f), m),
    error: (m, f) => p.error(fieldsOf(f), m),
    child: (name) => wrap(root, `${component}.${name}`),
  };
}

/** Errors become their message: a stack trace in a field is noise, and pino would print `{}`. */
function fieldsOf(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  if (fields === undefined) return {};
  let out: Record<string, unknown> | null = null;
  for (const key in fields) {
    const value = fields[key];
    if (value instanceof Error) (out ??= { ...fields })[key] = value.message;
  }
  return out ?? fields;
}

const HEAD_KEYS = new Set(['time', 'level', 'pipeline', 'component', 'msg']);

function textLine(json: string): string {
  const o = JSON.parse(json) as Record<string, unknown>;
  const rest: Record<string, unknown> = {};
  let any = false;
  for (const key in o) {
    if (HEAD_KEYS.has(key)) continue;
    rest[key] = o[key];
    any = true;
  }
  const pipeline = typeof o['pipeline'] === 'string' ? `${o['pipeline']} ` : '';
  const level = String(o['level']).toUpperCase().padEnd(5);
  return `${String(o['time'])} ${level} ${pipeline}[${String(o['component'])}] ${String(o['msg'])}${any ? ` ${JSON.stringify(rest)}` : ''}\n`;
}
