import { TributaryError, type ErrorCode } from '../errors/tributary-error.js';
import { tlsFailure } from '../errors/tls-failure.js';

/** What a produce request carried, so a size refusal can name it. */
export interface ProduceContext {
  topics: string[];
  requestBytes: number;
  largestRecordBytes: number;
  maxMessageBytes: number;
}

/** Broker error types that mean a record batch is over a size limit; retrying resends the same bytes. */
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/**
 * The kafka edge: turns a kafkajs error into a TributaryError and decides here, once,
 * whether retrying can help. kafkajs marks broker-side transient errors `retriable`;
 * a connection that cannot be made (refused, DNS, timeout) is retriable too, because
 * brokers restart. A batch refused as too large is never retriable: the same request
 * would be refused again for as long as retries last, and neither is a refused login or
 * a certificate that does not verify.
 */
export function kafkaError(err: unknown, doing: string, code?: ErrorCode, produce?: ProduceContext): TributaryError {
  if (err instanceof TributaryError) return err;
  const e = err as { name?: string; message?: string; retriable?: boolean; cause?: unknown; originalError?: unknown };
  const message = e?.message ?? String(err);
  const tooLarge = tooLargeType(err);
  if (tooLarge) return tooLargeError(err, doing, tooLarge, message, produce);
  const security = securityError(err, doing);
  if (security) return security;
  const name = e?.name ?? '';
  const connection =
    /KafkaJSConnectionError|KafkaJSBrokerNotFound|KafkaJSConnectionClosedError|KafkaJSRequestTimeoutError|KafkaJSNumberOfRetriesExceeded/.test(name) ||
    /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|Connection error|Closed connection/i.test(message);
  return new TributaryError(`could not ${doing}: ${message}`, {
    code: code ?? (doing.startsWith('connect') ? 'KAFKA_CONNECT' : 'KAFKA_PRODUCE'),
    retriable: connection || transientInChain(err),
    fix: connection
      ? 'check that the brokers in [kafka] brokers are reachable from this host and running'
      : 'check the broker log and the topic configuration (size limits, ACLs); Tributary keeps its checkpoint before the failed messages',
    cause: err,
  });
}

/**
 * Whether kafkajs marked the error, or one it wraps, retriable. Once its own retries are
 * spent kafkajs wraps a transient broker error (LEADER_NOT_AVAILABLE during a leader
 * election, NOT_LEADER_FOR_PARTITION) in a non-retriable one; for Tributary, which retries
 * for kafka.retry_max_ms, it is still an outage to ride out.
 */
function transientInChain(err: unknown): boolean {
  let e = err as { retriable?: unknown; cause?: unknown; originalError?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (e.retriable === true) return true;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return false;
}

/** A TLS failure or a refused SASL login, along the cause chain: each names the key to fix. */
function securityError(err: unknown, doing: string): TributaryError | null {
  const chain = causes(err);
  const broker = chain.map((e) => e.broker).find((b): b is string => typeof b === 'string');
  const tls = tlsFailure(err, {
    peer: `Kafka broker ${broker ?? '(bootstrap)'}`,
    ca: 'kafka.tls.ca',
    hostname: 'kafka.tls.check_hostname = false',
    clientCert: 'kafka.tls.cert and kafka.tls.key',
    enabled: 'kafka.tls.enabled',
    doing,
  });
  if (tls) return tls;
  const sasl = chain.find((e) => e.name === 'KafkaJSSASLAuthenticationError' || /^(SASL_AUTHENTICATION_FAILED|UNSUPPORTED_SASL_MECHANISM|ILLEGAL_SASL_STATE)$/.test(String(e.type)));
  if (!sasl) return null;
  return new TributaryError(`Kafka refused the SASL login while trying to ${doing}: ${String(sasl.message)}`, {
    code: 'KAFKA_AUTH',
    fix: 'check kafka.sasl.username and kafka.sasl.password (write "${VAR}" to read it from the environment) and kafka.sasl.mechanism: SCRAM credentials exist per mechanism, so the broker needs this user for exactly that one',
    cause: err,
  });
}

interface ErrorLike {
  name?: unknown;
  type?: unknown;
  message?: unknown;
  broker?: unknown;
  cause?: unknown;
  originalError?: unknown;
}

function causes(err: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  for (let e: unknown = err; typeof e === 'object' && e !== null && chain.length < 6; ) {
    chain.push(e as ErrorLike);
    e = (e as ErrorLike).originalError ?? (e as ErrorLike).cause;
  }
  return chain;
}

/** The broker's size error type, looked for along the cause chain (kafkajs wraps it once it gives up). */
function tooLargeType(err: unknown): string | null {
  let e = err as { type?: unknown; cause?: unknown; originalError?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e.type === 'string' && TOO_LARGE.has(e.type)) return e.type;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return null;
}

function tooLargeError(err: unknown, doing: string, type: string, message: string, produce: ProduceContext | undefined): TributaryError {
  const topics = produce ? produce.topics.join(', ') : 'unknown';
  const detail = produce
    ? ` (topic ${topics}; largest record ${produce.largestRecordBytes} bytes, request ${produce.requestBytes} bytes, kafka.max_message_bytes ${produce.maxMessageBytes})`
    : '';
  const limit = produce ? String(produce.maxMessageBytes) : 'kafka.max_message_bytes';
  const topic = produce?.topics.length === 1 ? produce.topics[0]! : '<topic>';
  return new TributaryError(`could not ${doing}: the broker refused a record batch as too large (${type}: ${message})${detail}`, {
    code: 'KAFKA_MESSAGE_TOO_LARGE',
    retriable: false,
    fix:
      type === 'RECORD_LIST_TOO_LARGE'
        ? `the batch is larger than the topic's segment.bytes: raise segment.bytes of topic ${topics}, or lower kafka.max_message_bytes below it`
        : `the topic or broker limit is below kafka.max_message_bytes: raise the topic's max.message.bytes ` +
          `(kafka-configs.sh --bootstrap-server <broker> --alter --entity-type topics --entity-name ${topic} --add-config max.message.bytes=${limit}) and the broker's message.max.bytes to at least ${limit}, ` +
          `or lower kafka.max_message_bytes to the topic's limit so that kafka.oversized (fail, skip, truncate) handles larger rows; then restart, which resends from the checkpoint`,
    cause: err,
  });
}

/**
 * A Kafka transaction failed. Its outcome is the broker's to know (a commit may have landed
 * although its answer was lost), so it is never retried in place: the error is retriable
 * only in the sense that restarting the pipeline from the committed checkpoint settles it.
 * A fenced producer is another process of the same pipeline that took over; that is final.
 */
export function transactionError(err: unknown, transactionalId: string): TributaryError {
  if (err instanceof TributaryError) return err;
  const chain: { name?: unknown; type?: unknown; message?: unknown }[] = [];
  for (let e: unknown = err; typeof e === 'object' && e !== null && chain.length < 5; ) {
    chain.push(e as { name?: unknown; type?: unknown; message?: unknown });
    e = (e as { originalError?: unknown; cause?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
  }
  const message = String(chain[0]?.message ?? err);
  const fenced = chain.some((e) => /INVALID_PRODUCER_EPOCH|PRODUCER_FENCED|TRANSACTIONAL_ID_AUTHORIZATION|fenced/i.test(`${String(e.type)} ${String(e.message)}`));
  if (fenced) {
    return new TributaryError(`another producer with transactional.id ${transactionalId} took over: ${message}`, {
      code: 'KAFKA_FENCED',
      fix: 'another tributary process of this pipeline (same name) is publishing; run one per pipeline, or a standby that waits (see the README, "A standby")',
      cause: err,
    });
  }
  return new TributaryError(`a Kafka transaction of ${transactionalId} failed: ${message}`, {
    code: 'KAFKA_TRANSACTION',
    retriable: true,
    fix: 'check that the brokers are running and reachable; the pipeline restarts from its last committed checkpoint, so nothing is lost or repeated',
    cause: err,
  });
}
