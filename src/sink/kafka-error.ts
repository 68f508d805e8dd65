import { TributaryError, type ErrorCode } from '../errors/tributary-error.js';

/**
 * The kafka edge: turns a kafkajs error into a TributaryError and decides here, once,
 * whether retrying can help. kafkajs marks broker-side transient errors `retriable`;
 * a connection that cannot be made (refused, DNS, timeout) is retriable too, because
 * brokers restart.
 */
export function kafkaError(err: unknown, doing: string, code?: ErrorCode): TributaryError {
  if (err instanceof TributaryError) return err;
  const e = err as { name?: string; message?: string; retriable?: boolean; cause?: unknown; originalError?: unknown };
  const message = e?.message ?? String(err);
  const name = e?.name ?? '';
  const connection =
    /KafkaJSConnectionError|KafkaJSBrokerNotFound|KafkaJSConnectionClosedError|KafkaJSRequestTimeoutError|KafkaJSNumberOfRetriesExceeded/.test(name) ||
    /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|Connection error|Closed connection/i.test(message);
  return new TributaryError(`could not ${doing}: ${message}`, {
    code: code ?? (doing.startsWith('connect') ? 'KAFKA_CONNECT' : 'KAFKA_PRODUCE'),
    retriable: connection || e?.retriable === true,
    fix: connection
      ? 'check that the brokers in [kafka] brokers are reachable from this host and running'
      : 'check the broker log and the topic configuration (size limits, ACLs); Tributary keeps its checkpoint before the failed messages',
    cause: err,
  });
}
