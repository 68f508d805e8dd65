import type { ConnectionOptions, SslOptions } from 'mysql2';
import type { MysqlEndpoint } from './binlog/server-check.js';
import { serverOffersTls } from './tls-offer.js';

export type TlsMode = 'disabled' | 'preferred' | 'required' | 'verify_ca' | 'verify_identity';

/** `[source.tls]` with its PEM files already read (sourceEndpoint does, once). */
export interface MysqlTls {
  mode: TlsMode;
  ca?: Buffer | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
}

/**
 * mysql2 connection options for the source endpoint, the query connections' and zongji's
 * replication connection's alike; callers add their own session options. TLS follows
 * MySQL's `--ssl-mode`: `preferred` uses TLS when the server's greeting offers it (asked
 * here, per connection, since mysql2 itself either demands TLS or never asks), `required`
 * encrypts without checking the certificate, `verify_ca` checks the chain, and
 * `verify_identity` the chain and the host name.
 */
export async function mysqlConnectionOptions(endpoint: MysqlEndpoint): Promise<ConnectionOptions> {
  const connectTimeout = endpoint.connectTimeout ?? 10_000;
  const options: ConnectionOptions = {
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    password: endpoint.password,
    connectTimeout,
  };
  const tls = endpoint.tls;
  if (!tls || tls.mode === 'disabled') return options;
  if (tls.mode === 'preferred' && !(await serverOffersTls(endpoint.host, endpoint.port, connectTimeout))) return options;
  const verify = tls.mode === 'verify_ca' || tls.mode === 'verify_identity';
  const ssl: SslOptions = {
    rejectUnauthorized: verify,
    verifyIdentity: tls.mode === 'verify_identity',
    ...(verify && tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
  };
  return { ...options, ssl };
}
