#!/usr/bin/env bash
# A throwaway Oracle MySQL 9.7 instance of the project's own, beside the MariaDB one: its own
# datadir under .stack/, its own port on 127.0.0.1, binlog ROW with full metadata, GTIDs on.
#
#   mysql.sh fetch|up|down|status|destroy
#
# Where MySQL comes from: no Debian suite for bookworm carries MySQL 8.x any more, and sid's
# mysql-server-core 9.7 needs glibc >= 2.38. `fetch` (root, once per machine) builds a minimal
# sid root filesystem in the cache with debootstrap and installs mysql-server-core and
# mysql-client-core in it (~25 s, ~280 MB). The binaries are then run through that root's own
# dynamic loader and libraries, so no chroot, no /proc mount and no root are needed to run
# them, and the datadir can live under .stack/ like every other server of the stack.
#
# Environment (all optional):
#   MYSQL_INSTANCE     instance name, folder .stack/mysql-<name>   (default: main)
#   MYSQL_PORT         TCP port on 127.0.0.1                        (default: 3316)
#   MYSQL_GTID_MODE    OFF | OFF_PERMISSIVE | ON_PERMISSIVE | ON   (default: ON)
#   MYSQL_SERVER_ID    server_id                                    (default: 1)
#   MYSQL_EXTRA_ARGS   more mysqld options, e.g. --super-read-only=ON
#   TRIBUTARY_CACHE    cache root                                   (default: ~/.cache/tributary)
#   STACK_DIR          where instances live                         (default: <repo>/.stack)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
instance=${MYSQL_INSTANCE:-main}
port=${MYSQL_PORT:-3316}
gtid_mode=${MYSQL_GTID_MODE:-ON}
server_id=${MYSQL_SERVER_ID:-1}
extra_args=${MYSQL_EXTRA_ARGS:-}
stack_dir=${STACK_DIR:-$repo/.stack}
cache=${TRIBUTARY_CACHE:-$HOME/.cache/tributary}
root="$cache/mysql-sid"
marker="$root/.tributary-mysql-ready"
dir="$stack_dir/mysql-$instance"
data="$dir/data"
sock="$dir/mysqld.sock"
pidfile="$dir/mysqld.pid"
log="$dir/mysqld.log"

# shellcheck source=sql-server.sh
. "$here/sql-server.sh"

say() { echo "mysql ($instance): $*"; }
die() { echo "mysql.sh: $*" >&2; exit 1; }

# Runs a binary of the sid root with that root's loader and libraries.
in_root() {
  local bin="$1"; shift
  "$root/lib64/ld-linux-x86-64.so.2" \
    --library-path "$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu" \
    "$root$bin" "$@"
}

mirror() {
  # The machine's configured Debian mirror, so fetch works where only that one is reachable.
  local uri
  uri=$(grep -hoE '^(URIs:|deb) +(\[[^]]*\] +)?https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
    | grep -v security | head -1 | grep -oE 'https?://[^ ]+' || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

fetch() {
  [ -f "$marker" ] && { echo "mysql: MySQL $(cat "$marker") ready in $root"; return 0; }
  [ "$(id -u)" = 0 ] || die "building the MySQL root filesystem needs root once (debootstrap): sudo bash $0 fetch"
  if ! command -v debootstrap >/dev/null 2>&1; then
    echo "mysql: installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; }
  fi
  rm -rf "$root.tmp" && mkdir -p "$(dirname "$root")"
  echo "mysql: debootstrap sid from $(mirror) (about 25 s)"
  debootstrap --variant=minbase sid "$root.tmp" "$(mirror)" >"$cache/mysql-debootstrap.log" 2>&1 \
    || { tail -20 "$cache/mysql-debootstrap.log" >&2; die "debootstrap failed; see $cache/mysql-debootstrap.log"; }
  # Package scripts must not start services, and sid's Release file may look expired to apt.
  printf '#!/bin/sh\nexit 101\n' >"$root.tmp/usr/sbin/policy-rc.d"
  chmod +x "$root.tmp/usr/sbin/policy-rc.d"
  echo 'Acquire::Check-Valid-Until "false";' >"$root.tmp/etc/apt/apt.conf.d/99tributary"
  # mysql-server-core, not the mysql-server metapackage, whose scripts want systemd.
  chroot "$root.tmp" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mysql-server-core mysql-client-core && apt-get clean' \
    >"$cache/mysql-install.log" 2>&1 \
    || { tail -20 "$cache/mysql-install.log" >&2; die "installing mysql-server-core failed; see $cache/mysql-install.log"; }
  rm -rf "$root" && mv "$root.tmp" "$root"
  in_root /usr/sbin/mysqld --version | grep -oE 'Ver [0-9.]+' | cut -d' ' -f2 >"$marker"
  echo "mysql: MySQL $(cat "$marker") installed in $root"
}

mysqld_args() {
  echo --no-defaults --user="$(id -un)" --datadir="$data" --basedir="$root/usr" \
    --lc-messages-dir="$root/usr/share/mysql" --character-sets-dir="$root/usr/share/mysql/charsets" \
    --plugin-dir="$root/usr/lib/mysql/plugin" --secure-file-priv="$dir/files"
}

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

client() { in_root /usr/bin/mysql --no-defaults --protocol=socket --socket="$sock" -uroot "$@"; }

ping() {
  in_root /usr/bin/mysqladmin --no-defaults --protocol=tcp -h127.0.0.1 -P"$port" \
    -u"$TEST_USER" -p"$TEST_PASSWORD" --connect-timeout=2 ping >/dev/null 2>&1
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

create_users() { users_sql | client; }

up() {
  [ -f "$marker" ] || fetch
  if running && ping; then
    say "already running: 127.0.0.1:$port (pid $(cat "$pidfile"))"
    return 0
  fi
  port_taken "$port" && die "port $port on 127.0.0.1 is taken by another process; set MYSQL_PORT"
  mkdir -p "$dir/files"
  if [ ! -d "$data/mysql" ]; then
    say "creating datadir $data"
    # shellcheck disable=SC2046
    in_root /usr/sbin/mysqld $(mysqld_args) --initialize-insecure >"$dir/install.log" 2>&1 \
      || { tail -20 "$dir/install.log" >&2; die "mysqld --initialize-insecure failed; see $dir/install.log"; }
  fi
  # Started from a subshell with every inherited descriptor beyond stdio closed: a mysqld
  # holding the caller's pipes or locks would keep `npm test` or flock waiting on it.
  # shellcheck disable=SC2046,SC2086
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null || true
    done
    exec "$root/lib64/ld-linux-x86-64.so.2" \
      --library-path "$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu" \
      "$root/usr/sbin/mysqld" $(mysqld_args) \
      --socket="$sock" --pid-file="$pidfile" --port="$port" --bind-address=127.0.0.1 \
      --mysqlx=OFF --skip-name-resolve --log-error="$log" \
      --server-id="$server_id" --log-bin="$data/binlog" --binlog-format=ROW \
      --binlog-row-image=FULL --binlog-row-metadata=FULL \
      --gtid-mode="$gtid_mode" --enforce-gtid-consistency="$([ "$gtid_mode" = OFF ] && echo OFF || echo ON)" \
      --max-binlog-size=64M --binlog-expire-logs-seconds=172800 \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_0900_ai_ci \
      --innodb-buffer-pool-size=256M --innodb-redo-log-capacity=256M \
      --innodb-flush-log-at-trx-commit=2 --sync-binlog=0 \
      --max-connections=200 --max-allowed-packet=64M --performance-schema=OFF $extra_args
  ) </dev/null >/dev/null 2>&1 &
  local i
  for i in $(seq 1 120); do
    [ -S "$sock" ] && client -e 'SELECT 1' >/dev/null 2>&1 && break
    if [ "$i" -gt 10 ] && ! running; then break; fi
    sleep 0.5
  done
  client -e 'SELECT 1' >/dev/null 2>&1 || { tail -20 "$log" >&2 || true; die "mysqld did not start; see $log"; }
  # super_read_only instances take their users on the first start only; later they refuse writes.
  client -e 'SET GLOBAL super_read_only = OFF' >/dev/null 2>&1 || true
  create_users >/dev/null
  case " $extra_args " in *" --super-read-only=ON "*) client -e 'SET GLOBAL super_read_only = ON' ;; esac
  ping || die "server runs but TCP login fails; see $log"
  say "up: 127.0.0.1:$port MySQL $(cat "$marker") gtid_mode=$gtid_mode (user tributary / $TRIBUTARY_PASSWORD)"
}

down() {
  if stop_server "$pidfile"; then
    say "stopped"
  else
    say "not running"
  fi
}

status() {
  if running && ping; then
    say "running, pid $(cat "$pidfile"), 127.0.0.1:$port, gtid_mode=$gtid_mode"
    return 0
  fi
  say "not running"
  return 3
}

case "${1:-}" in
  fetch) fetch ;;
  up) up ;;
  down) down ;;
  status) status ;;
  client) shift; in_root /usr/bin/mysql --no-defaults -h127.0.0.1 -P"$port" -u"$TEST_USER" -p"$TEST_PASSWORD" "$@" ;;
  destroy) down; rm -rf "$dir"; say "datadir removed" ;;
  *) echo "usage: $0 fetch|up|down|status|client|destroy" >&2; exit 2 ;;
esac
