#!/usr/bin/env bash
# The local development stack: one MariaDB, one MySQL, one Kafka broker and one schema registry, native processes,
# no Docker. `up` is harmless when they already run; `down` stops only what `up` started.
#
#   stack.sh up|down|status
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

up() {
  bash "$here/mariadb.sh" up
  # MySQL's first start builds its root filesystem, which needs root once; without it the
  # rest of the stack still serves config/example.toml (npm test then names the fix).
  bash "$here/mysql.sh" up || echo "stack: MySQL not started (above says why); MariaDB, Kafka and the registry start anyway" >&2
  bash "$here/kafka.sh" up
  bash "$here/registry.sh" up
  cat <<INFO

Local stack is up:
  MariaDB  127.0.0.1:${MARIADB_PORT:-3307}  user tributary / tributary  (admin for tests: tributary_test / tributary_test)
           mariadb -h127.0.0.1 -P${MARIADB_PORT:-3307} -utributary_test -ptributary_test
  MySQL    127.0.0.1:${MYSQL_PORT:-3316}  the same users; MySQL 9.7, gtid_mode=ON
           bash scripts/stack/mysql.sh client
  Kafka    127.0.0.1:${KAFKA_PORT:-19092}  (KRaft, single node)
  Registry http://127.0.0.1:${REGISTRY_PORT:-18081}/apis/ccompat/v7  (Apicurio, Confluent-compatible API; [registry] url)
  Try:     npx tributary start --config config/example.toml
INFO
}

down() {
  local rc=0
  bash "$here/registry.sh" down || rc=$?
  bash "$here/kafka.sh" down || rc=$?
  bash "$here/mysql.sh" down || rc=$?
  bash "$here/mariadb.sh" down || rc=$?
  return $rc
}

status() {
  local rc=0
  bash "$here/mariadb.sh" status || rc=$?
  bash "$here/mysql.sh" status || rc=$?
  bash "$here/kafka.sh" status || rc=$?
  bash "$here/registry.sh" status || rc=$?
  return $rc
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
