#!/usr/bin/env bash
# A throwaway MariaDB instance of the project's own: its own datadir under .stack/,
# its own port on 127.0.0.1, binlog on in ROW format with full row images and metadata.
# It never touches a system MySQL/MariaDB instance, its datadir or its port.
#
#   mariadb.sh up|down|status
#
# Environment (all optional):
#   MARIADB_INSTANCE       instance name, folder .stack/mariadb-<name>   (default: main)
#   MARIADB_PORT           TCP port on 127.0.0.1                          (default: 3307)
#   MARIADB_BINLOG_FORMAT  ROW | STATEMENT | MIXED; tests start a STATEMENT instance
#                          to prove Tributary refuses it                  (default: ROW)
#   MARIADB_SERVER_ID      server_id                                      (default: 1)
#   MARIADB_EXTRA_ARGS     more mariadbd options, e.g. --read-only=ON --log-slave-updates=ON
#                          for a read replica (users are created first: root may write anyway)
#   MARIADB_TLS            1: serve TLS with certificates from tls-certs.sh in <instance>/tls
#                          (server.pem: 127.0.0.1 and localhost) and add the user
#                          tributary_tls / tributary-tls-secret, created REQUIRE SSL with the
#                          pipeline's grants                              (default: off)
#   STACK_DIR              where instances live                           (default: <repo>/.stack)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
instance=${MARIADB_INSTANCE:-main}
port=${MARIADB_PORT:-3307}
format=${MARIADB_BINLOG_FORMAT:-ROW}
server_id=${MARIADB_SERVER_ID:-1}
extra_args=${MARIADB_EXTRA_ARGS:-}
tls=${MARIADB_TLS:-}
stack_dir=${STACK_DIR:-$repo/.stack}
dir="$stack_dir/mariadb-$instance"
data="$dir/data"
sock="$dir/mariadb.sock"
pidfile="$dir/mariadb.pid"
log="$dir/mariadb.log"
me=$(id -un)

# shellcheck source=sql-server.sh
. "$here/sql-server.sh"

need() {
  local missing=()
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
  command -v mariadb >/dev/null 2>&1 || missing+=(mariadb-client)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "mariadb.sh: ${missing[*]} not installed. Install it with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y mariadb-server mariadb-client" >&2
    exit 1
  fi
}

mariadbd_bin() { command -v mariadbd 2>/dev/null || echo /usr/sbin/mariadbd; }

running() {
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

client() { mariadb --protocol=socket --socket="$sock" -uroot "$@"; }

ping() {
  mariadb-admin --protocol=tcp -h127.0.0.1 -P"$port" -u"$TEST_USER" -p"$TEST_PASSWORD" \
    --connect-timeout=2 ping >/dev/null 2>&1
}

port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

init_datadir() {
  mkdir -p "$dir"
  echo "mariadb.sh: creating datadir $data"
  mariadb-install-db --no-defaults --datadir="$data" --user="$me" \
    --auth-root-authentication-method=socket --auth-root-socket-user="$me" \
    --skip-test-db >"$dir/install.log" 2>&1 || {
      echo "mariadb.sh: mariadb-install-db failed; see $dir/install.log" >&2
      tail -20 "$dir/install.log" >&2
      exit 1
    }
}

TLS_USER=tributary_tls
TLS_PASSWORD=tributary-tls-secret

# REQUIRE SSL: the server refuses this user's login over plain text.
tls_user_sql() {
  cat <<SQL
CREATE USER IF NOT EXISTS '$TLS_USER'@'127.0.0.1' IDENTIFIED BY '$TLS_PASSWORD' REQUIRE SSL;
CREATE USER IF NOT EXISTS '$TLS_USER'@'localhost' IDENTIFIED BY '$TLS_PASSWORD' REQUIRE SSL;
GRANT SELECT, RELOAD, SHOW DATABASES, LOCK TABLES, REPLICATION SLAVE, REPLICATION CLIENT
  ON *.* TO '$TLS_USER'@'127.0.0.1', '$TLS_USER'@'localhost';
GRANT ALL PRIVILEGES ON \`_tributary\`.* TO '$TLS_USER'@'127.0.0.1', '$TLS_USER'@'localhost';
FLUSH PRIVILEGES;
SQL
}

create_users() {
  users_sql | client
  if [ -n "$tls" ]; then tls_user_sql | client; fi
}

up() {
  need
  if running; then
    if ping; then
      echo "mariadb ($instance) already running: 127.0.0.1:$port (pid $(cat "$pidfile"))"
      return 0
    fi
  fi
  if port_taken "$port"; then
    echo "mariadb.sh: port $port on 127.0.0.1 is taken by another process; set MARIADB_PORT" >&2
    exit 1
  fi
  [ -d "$data/mysql" ] || init_datadir
  local tls_args=()
  if [ -n "$tls" ]; then
    bash "$here/tls-certs.sh" "$dir/tls"
    tls_args=(--ssl-cert="$dir/tls/server.pem" --ssl-key="$dir/tls/server.key" --ssl-ca="$dir/tls/ca.pem")
  fi
  "$(mariadbd_bin)" --no-defaults --user="$me" --datadir="$data" --socket="$sock" \
    --pid-file="$pidfile" --port="$port" --bind-address=127.0.0.1 --skip-name-resolve \
    --log-error="$log" \
    --server-id="$server_id" --log-bin="$data/binlog" --binlog-format="$format" \
    --binlog-row-image=FULL --binlog-row-metadata=FULL --gtid-strict-mode=ON \
    --max-binlog-size=64M --expire-logs-days=2 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=256M --innodb-log-file-size=128M \
    --innodb-flush-log-at-trx-commit=2 --sync-binlog=0 \
    --max-connections=200 --max-allowed-packet=64M "${tls_args[@]}" $extra_args \
    >/dev/null 2>&1 &
  local i
  for i in $(seq 1 120); do
    [ -S "$sock" ] && client -e 'SELECT 1' >/dev/null 2>&1 && break
    if [ "$i" -gt 5 ] && ! running; then break; fi
    sleep 0.5
  done
  if ! client -e 'SELECT 1' >/dev/null 2>&1; then
    echo "mariadb.sh: mariadbd did not start; last lines of $log:" >&2
    tail -20 "$log" >&2 || true
    exit 1
  fi
  # Re-applied on every start so an older datadir gets grants added since.
  create_users >/dev/null
  ping || { echo "mariadb.sh: server runs but TCP login fails; see $log" >&2; exit 1; }
  echo "mariadb ($instance) up: 127.0.0.1:$port binlog_format=$format (user tributary / $TRIBUTARY_PASSWORD)${tls:+, TLS with certificates in $dir/tls}"
}

down() {
  if stop_server "$pidfile"; then
    echo "mariadb ($instance) stopped"
  else
    echo "mariadb ($instance) not running"
  fi
}

status() {
  if running && ping; then
    echo "mariadb ($instance): running, pid $(cat "$pidfile"), 127.0.0.1:$port, binlog_format=$format"
    return 0
  fi
  echo "mariadb ($instance): not running"
  return 3
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  destroy) down; rm -rf "$dir"; echo "mariadb ($instance) datadir removed" ;;
  *) echo "usage: $0 up|down|status|destroy" >&2; exit 2 ;;
esac
