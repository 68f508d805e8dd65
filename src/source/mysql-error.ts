import { TributaryError } from '../errors/tributary-error.js';
import { tlsFailure } from '../errors/tls-failure.js';

interface MysqlLikeError {
  code?: string;
  errno?: number;
  message?: string;
  sqlMessage?: string;
}

/**
 * The mysql edge: turns a mysql2/zongji error into a TributaryError with a fix, and
 * decides here, once, whether retrying can help. Network trouble is retriable (servers
 * restart, fail over); a wrong password, a missing privilege or a purged binlog is not.
 */
export function mysqlError(err: unknown, doing: string, where: string): TributaryError {
  if (err instanceof TributaryError) return err;
  const e = (err ?? {}) as MysqlLikeError;
  const message = e.sqlMessage ?? e.message ?? String(err);
  const code = e.code ?? '';
  const errno = e.errno ?? 0;

  // Certificates and logins are not outages: the next attempt fails the same way.
  const tls = tlsFailure(err, {
    peer: `MySQL at ${where}`,
    ca: 'source.tls.ca',
    hostname: 'source.tls.mode = "verify_ca"',
    clientCert: 'source.tls.cert and source.tls.key',
    enabled: 'source.tls.mode',
    doing,
  });
  if (tls) return tls;
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return new TributaryError(`MySQL at ${where} offers no TLS, which source.tls.mode requires, while trying to ${doing}`, {
      code: 'TLS_HANDSHAKE',
      fix: 'give the server a certificate (ssl_cert, ssl_key, ssl_ca in [mysqld]), or set source.tls.mode = "preferred" to connect in plain text to a server without TLS',
      cause: err,
    });
  }
  if (code === 'ER_ACCESS_DENIED_ERROR' || errno === 1045 || errno === 1698) {
    return new TributaryError(`MySQL at ${where} refused the login while trying to ${doing}: ${message}`, {
      code: 'MYSQL_AUTH',
      fix: 'check source.user and source.password (a "${VAR}" password reads the environment), that the user may connect from this host, and for a user created REQUIRE SSL or X509, source.tls.mode (and source.tls.cert, source.tls.key)',
      cause: err,
    });
  }
  if (errno === 1227 || errno === 1142 || errno === 1044 || code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR') {
    return new TributaryError(`the MySQL user lacks a privilege needed to ${doing}: ${message}`, {
      code: 'MYSQL_PRIVILEGE',
      fix: 'grant REPLICATION SLAVE, REPLICATION CLIENT, SELECT, RELOAD, SHOW DATABASES, LOCK TABLES on *.* (see the README, "What the MySQL/MariaDB server needs")',
      cause: err,
    });
  }
  // Checked before the purge test: MySQL reports it as errno 1236 too, MariaDB as 4052
  // (ER_SLAVE_SAME_ID, which mysql2 names after MySQL's unrelated 4052).
  if (/same server_uuid\/server_id|same server_id/i.test(message)) {
    return new TributaryError(
      `MySQL at ${where} dropped this pipeline's binlog connection: another replica connected with the same [source] server_id (${message})`,
      {
        code: 'MYSQL_REPLICA_CONFLICT',
        fix: 'give every pipeline and every replica of this server its own [source] server_id (see `SHOW SLAVE HOSTS` and the other pipelines\' configs), then start this pipeline again; restarting it unchanged would knock the other one off in turn',
        cause: err,
      },
    );
  }
  if (errno === 1236 || errno === 1945 || errno === 1955 || /purged|could not find GTID|not found in binlog/i.test(message)) {
    return new TributaryError(`the binlog position Tributary needs is no longer on the server (${message})`, {
      code: 'MYSQL_POSITION_PURGED',
      fix: 'the checkpoint points at binlogs the server has purged: set [snapshot] mode = "when_needed" to snapshot again, or delete the checkpoint to start over (stop the pipeline, then run `tributary reset --config <file> --yes`); raise binlog_expire_logs_seconds so it does not recur',
      cause: err,
    });
  }
  // zongji's words for a binlog event it skips instead of decoding: a change it would lose.
  if (/PARTIAL_UPDATE_ROWS_EVENT|TRANSACTION_PAYLOAD_EVENT/.test(message)) {
    const partial = message.includes('PARTIAL_UPDATE_ROWS_EVENT');
    return new TributaryError(
      partial
        ? `MySQL at ${where} logged a partial JSON update (PARTIAL_UPDATE_ROWS_EVENT, binlog_row_value_options = PARTIAL_JSON): it carries a diff, not the row's after-image, so Tributary stops before that transaction instead of publishing a wrong row`
        : `MySQL at ${where} logged a compressed transaction (TRANSACTION_PAYLOAD_EVENT, binlog_transaction_compression = ON), which the installed zongji gives Tributary no way to decode (it reads them with the @vlasky/zongji 0.9.x in package-lock.json); it stops before that transaction instead of losing its rows`,
      {
        code: 'BINLOG_UNSUPPORTED_EVENT',
        fix: partial
          ? "SET GLOBAL binlog_row_value_options = '' (and in [mysqld]) and have no session set PARTIAL_JSON; the transaction stays a diff in the binlog and stops every resume before it, so then move past it with a new snapshot: stop the pipeline, `tributary reset --config <file> --yes`, start it again"
          : "reinstall with `npm ci` so the locked @vlasky/zongji is used; else SET GLOBAL binlog_transaction_compression = OFF (and in [mysqld]); the compressed transaction stays in the binlog and stops every resume before it, so then move past it with a new snapshot: stop the pipeline, `tributary reset --config <file> --yes`, start it again",
        cause: err,
      },
    );
  }
  const network =
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|PROTOCOL_CONNECTION_LOST|PROTOCOL_SEQUENCE_TIMEOUT/.test(code) ||
    errno === 2002 || errno === 2003 || errno === 2013 || errno === 1053 || errno === 1927 ||
    // zongji's own words when its metadata connection died with the server.
    /Control connection unavailable|Connection lost|closed state/i.test(message);
  if (network) {
    return new TributaryError(`cannot reach MySQL at ${where} to ${doing}: ${message || code}`, {
      code: 'MYSQL_CONNECT',
      retriable: true,
      fix: 'check [source] host and port, that the server runs, and that this host may reach it',
      cause: err,
    });
  }
  return new TributaryError(`MySQL error while trying to ${doing}: ${message}`, {
    code: 'MYSQL_QUERY',
    cause: err,
  });
}
