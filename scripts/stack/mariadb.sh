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
#   STACK_DIR              where instances live                           (default: <repo>/.stack)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
instance=${MARIADB_INSTANCE:-main}
port=${MARIADB_PORT:-3307}
format=${MARIADB_BINLOG_FORMAT:-ROW}
server_id=${MARIADB_SERVER_ID:-1}
stack_dir=${STACK_DIR:-$repo/.stack}
dir="$stack_dir/mariadb-$instance"
data="$dir/data"
sock="$dir/mariadb.sock"
pidfile="$dir/mariadb.pid"
log="$dir/mariadb.log"
me=$(id -un)

# The users that the README documents; the test user exists only on this local instance.
TRIBUTARY_PASSWORD=tributary
TEST_USER=tributary_test
TEST_PASSWORD=tributary_test

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

create_users() {
  # REPLICATION SLAVE/CLIENT read the binlog; SELECT, RELOAD, LOCK TABLES and SHOW DATABASES
  # cover the snapshot; the _tributary schema holds checkpoints when store = "mysql".
  client <<SQL
CREATE USER IF NOT EXISTS 'tributary'@'127.0.0.1' IDENTIFIED BY '$TRIBUTARY_PASSWORD';
CREATE USER IF NOT EXISTS 'tributary'@'localhost' IDENTIFIED BY '$TRIBUTARY_PASSWORD';
GRANT SELECT, RELOAD, SHOW DATABASES, LOCK TABLES, REPLICATION SLAVE, REPLICATION CLIENT
  ON *.* TO 'tributary'@'127.0.0.1', 'tributary'@'localhost';
GRANT ALL PRIVILEGES ON \`_tributary\`.* TO 'tributary'@'127.0.0.1', 'tributary'@'localhost';
CREATE USER IF NOT EXISTS '$TEST_USER'@'127.0.0.1' IDENTIFIED BY '$TEST_PASSWORD';
CREATE USER IF NOT EXISTS '$TEST_USER'@'localhost' IDENTIFIED BY '$TEST_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$TEST_USER'@'127.0.0.1', '$TEST_USER'@'localhost' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
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
  "$(mariadbd_bin)" --no-defaults --user="$me" --datadir="$data" --socket="$sock" \
    --pid-file="$pidfile" --port="$port" --bind-address=127.0.0.1 --skip-name-resolve \
    --log-error="$log" \
    --server-id="$server_id" --log-bin="$data/binlog" --binlog-format="$format" \
    --binlog-row-image=FULL --binlog-row-metadata=FULL --gtid-strict-mode=ON \
    --max-binlog-size=64M --expire-logs-days=2 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=256M --innodb-log-file-size=128M \
    --innodb-flush-log-at-trx-commit=2 --sync-binlog=0 \
    --max-connections=200 --max-allowed-packet=64M \
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
  echo "mariadb ($instance) up: 127.0.0.1:$port binlog_format=$format (user tributary / $TRIBUTARY_PASSWORD)"
}

down() {
  if ! running; then
    rm -f "$pidfile"
    echo "mariadb ($instance) not running"
    return 0
  fi
  local pid
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  echo "mariadb ($instance) stopped"
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
