/**
 * The one error base of Tributary. Every error that can reach a user carries:
 * - a stable `code` that scripts and tests can match,
 * - whether retrying the same operation can succeed (`retriable`), decided at the
 *   edge where the error enters (the mysql and kafka clients), never further in,
 * - `fix`: what the user must do about it, in one sentence,
 * - the underlying `cause`.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'MYSQL_CONNECT'
  | 'MYSQL_AUTH'
  | 'MYSQL_SERVER_SETTING'
  | 'MYSQL_PRIVILEGE'
  | 'MYSQL_POSITION_PURGED'
  | 'MYSQL_REPLICA_CONFLICT'
  | 'MYSQL_QUERY'
  | 'BINLOG_STREAM'
  | 'BINLOG_UNSUPPORTED_EVENT'
  | 'SCHEMA_UNSUPPORTED_TYPE'
  | 'SCHEMA_UNKNOWN_TABLE'
  | 'ENCODE'
  | 'KAFKA_CONNECT'
  | 'KAFKA_PRODUCE'
  | 'KAFKA_MESSAGE_TOO_LARGE'
  | 'KAFKA_TRANSACTION'
  | 'KAFKA_FENCED'
  | 'LEASE_LOST'
  | 'RECORD_TOO_LARGE'
  | 'KAFKA_READ'
  | 'CHECKPOINT_READ'
  | 'CHECKPOINT_WRITE'
  | 'SNAPSHOT'
  | 'REGISTRY_UNAVAILABLE'
  | 'REGISTRY_AUTH'
  | 'REGISTRY_INCOMPATIBLE'
  | 'REGISTRY_SCHEMA_MISSING'
  | 'REGISTRY_REQUEST'
  | 'TLS_UNTRUSTED'
  | 'TLS_HOSTNAME'
  | 'TLS_CLIENT_CERT'
  | 'TLS_HANDSHAKE'
  | 'KAFKA_AUTH'
  | 'HTTP_LISTEN'
  | 'PIPELINE';

export interface TributaryErrorOptions {
  code: ErrorCode;
  retriable?: boolean;
  fix?: string;
  cause?: unknown;
}

export class TributaryError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly fix: string | undefined;

  constructor(message: string, options: TributaryErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.retriable = options.retriable ?? false;
    this.fix = options.fix;
  }

  /** The message a user reads: what went wrong, then what to do. */
  describe(): string {
    return this.fix ? `${this.message}\n  fix: ${this.fix}` : this.message;
  }
}

/** Anything thrown, as a TributaryError; unknown errors are wrapped, not retriable. */
export function asTributaryError(err: unknown, code: ErrorCode = 'PIPELINE'): TributaryError {
  if (err instanceof TributaryError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TributaryError(message, { code, cause: err });
}
