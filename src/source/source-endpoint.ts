import type { PipelineConfig } from '../config/pipeline-config.js';
import { readPemFile } from '../config/read-pem-file.js';
import type { MysqlEndpoint } from './binlog/server-check.js';

/** The MySQL server a pipeline reads, as its [source] table describes it; TLS files are read here, once. */
export function sourceEndpoint(config: PipelineConfig): MysqlEndpoint {
  const tls = config.source.tls;
  return {
    host: config.source.host,
    port: config.source.port,
    user: config.source.user,
    password: config.source.password,
    connectTimeout: config.source.connect_timeout_ms,
    tls: {
      mode: tls.mode,
      ca: readPemFile(tls.ca, 'source.tls.ca'),
      cert: readPemFile(tls.cert, 'source.tls.cert'),
      key: readPemFile(tls.key, 'source.tls.key'),
    },
  };
}
