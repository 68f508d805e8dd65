import type { PipelineConfig } from '../config/pipeline-config.js';
import type { MysqlEndpoint } from './binlog/server-check.js';

/** The MySQL server a pipeline reads, as its [source] table describes it. */
export function sourceEndpoint(config: PipelineConfig): MysqlEndpoint {
  return {
    host: config.source.host,
    port: config.source.port,
    user: config.source.user,
    password: config.source.password,
    connectTimeout: config.source.connect_timeout_ms,
  };
}
