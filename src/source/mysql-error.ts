import { TributaryError } from '../errors/tributary-error.js';

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

  if (code === 'ER_ACCESS_DENIED_ERROR' || errno === 1045 || errno === 1698) {
    return new TributaryError(`MySQL at ${where} refused the login while trying to ${doing}: ${message}`, {
      code: 'MYSQL_AUTH',
      fix: 'check [source] user and password (a ${VAR} password reads the environment) and that the user may connect from this host',
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
