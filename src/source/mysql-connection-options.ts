import type { ConnectionOptions } from 'mysql2';
import type { MysqlEndpoint } from './binlog/server-check.js';

/** mysql2 connection options for the source endpoint; callers add their own session options. */
export function mysqlConnectionOptions(endpoint: MysqlEndpoint): ConnectionOptions {
  return {
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    password: endpoint.password,
    connectTimeout: endpoint.connectTimeout ?? 10_000,
  };
}
