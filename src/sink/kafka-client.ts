import { Kafka, logLevel, type KafkaConfig, type LogEntry, type RetryOptions, type SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import type { PipelineConfig } from '../config/pipeline-config.js';
import { readPemFile } from '../config/read-pem-file.js';
import type { Logger } from '../logger.js';
import { registerCompressionCodecs } from './compression-codecs.js';

export type KafkaSection = PipelineConfig['kafka'];

export interface KafkaClientOptions {
  clientId: string;
  /** Where kafkajs's own lines go (at debug); without one they are dropped. */
  logger?: Logger;
  retry?: RetryOptions;
}

/**
 * The one way Tributary makes a kafkajs client: the sink's producer, the checkpoint store,
 * the standby lease, the topic readers and the commands all get `[kafka] brokers`,
 * `[kafka.tls]`, `[kafka.sasl]` and the compression codecs kafkajs lacks from here, so no connection can miss a security
 * setting. TLS files are read here, once; a bad path fails now, naming its key.
 */
export function kafkaClient(kafka: KafkaSection, options: KafkaClientOptions): Kafka {
  // Readers meet any codec, whatever this pipeline writes.
  registerCompressionCodecs();
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: kafka.brokers,
    connectionTimeout: 5_000,
    ...(options.retry ? { retry: options.retry } : {}),
    logLevel: options.logger ? logLevel.WARN : logLevel.NOTHING,
    // kafkajs logs every retried protocol error at ERROR; failures that matter reach the
    // pipeline as TributaryErrors with a fix, so its own lines are kept for --log-level debug.
    ...(options.logger ? { logCreator: logTo(options.logger.child('kafkajs')) } : {}),
  };
  const ssl = tlsOptions(kafka.tls);
  if (ssl) config.ssl = ssl;
  if (kafka.sasl) config.sasl = { mechanism: kafka.sasl.mechanism, username: kafka.sasl.username, password: kafka.sasl.password } as SASLOptions;
  return new Kafka(config);
}

function tlsOptions(tls: KafkaSection['tls']): ConnectionOptions | undefined {
  if (!tls || !tls.enabled) return undefined;
  const ca = readPemFile(tls.ca, 'kafka.tls.ca');
  const cert = readPemFile(tls.cert, 'kafka.tls.cert');
  const key = readPemFile(tls.key, 'kafka.tls.key');
  return {
    rejectUnauthorized: true,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    // The chain is still verified; only the name in it is not compared.
    ...(tls.check_hostname ? {} : { checkServerIdentity: () => undefined }),
  };
}

function logTo(log: Logger): () => (entry: LogEntry) => void {
  return () => (entry) => {
    const { message, ...fields } = entry.log;
    log.debug(`${entry.namespace}: ${message}`, fields);
  };
}
