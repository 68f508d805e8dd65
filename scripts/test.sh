#!/usr/bin/env bash
# `npm test`: unit tests, integration tests against the real local stack with MariaDB as the
# source, then the source-facing integration tests again with Oracle MySQL as the source.
# Starts the stack when it is not running and stops only what it started.
#
#   scripts/test.sh            all of it (what CI runs)
#   scripts/test.sh unit       unit tests only, no servers
#   scripts/test.sh mariadb    unit + integration on MariaDB
#   scripts/test.sh mysql      the MySQL lane only
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."
lane=${1:-all}

started=()
cleanup() {
  for part in "${started[@]}"; do bash "scripts/stack/$part.sh" down >/dev/null 2>&1 || true; done
}
trap cleanup EXIT INT TERM

# Types first: tsx strips them without checking, so this is where tests and src get checked.
npx tsc -p tsconfig.check.json || exit 1

# --test-force-exit: a test file that fails with a socket still open (a Kafka admin, a MySQL
# connection) would otherwise never exit, and the run would hang past CI's limit instead of
# reporting the failure. Cleanup hooks (t.after) still run before the exit.
if [ "$lane" = "unit" ]; then
  mapfile -t files < <(find test/unit -name '*.test.ts' | sort)
  exec node --import tsx --test --test-force-exit "${files[@]}"
fi

need=(kafka registry)
[ "$lane" != "mysql" ] && need=(mariadb "${need[@]}")
[ "$lane" != "mariadb" ] && need=(mysql "${need[@]}")
for part in "${need[@]}"; do
  if ! bash "scripts/stack/$part.sh" status >/dev/null 2>&1; then
    bash "scripts/stack/$part.sh" up || exit 1
    started+=("$part")
  fi
done

rc=0
if [ "$lane" != "mysql" ]; then
  # Node 20's test runner takes no globs, so the files are listed here.
  mapfile -t files < <(find test/unit test/integration -name '*.test.ts' 2>/dev/null | sort)
  node --import tsx --test --test-force-exit --test-concurrency=1 "${files[@]}" || rc=1
fi

if [ "$lane" != "mariadb" ]; then
  # The tests whose outcome depends on the source server: the binlog, the snapshot, types,
  # DDL, positions and the mysql checkpoint store. The rest (sink, registry, standby, CLI
  # output, the JDBC sink, the chaos runs on servers of their own) sees the same Kafka
  # either way and runs once, above.
  mapfile -t files < <(
    {
      find test/integration/source -name '*.test.ts'
      printf '%s\n' test/integration/checkpoint/mysql-checkpoint-store.test.ts \
        test/integration/encode/standard-decoders.test.ts test/integration/encode/debezium-envelope.test.ts \
        test/integration/observe/http-metrics.test.ts test/integration/observe/heartbeat.test.ts
      # snapshot-crash runs once: resuming a saved chunk cursor does not depend on the server,
      # and snapshot-stop and crash-restart cover the restart positions on MySQL.
      for name in streaming snapshot snapshot-adhoc snapshot-stop types schema-changes \
        crash-restart checkpoint-stores table-ends errors early-kill large-transaction compressed-transactions snapshot-read-only; do
        echo "test/integration/pipeline/$name.test.ts"
      done
    } | sort -u
  )
  echo "# MySQL lane: ${#files[@]} files with TRIBUTARY_TEST_SOURCE=mysql"
  TRIBUTARY_TEST_SOURCE=mysql node --import tsx --test --test-force-exit --test-concurrency=1 "${files[@]}" || rc=1
fi
exit $rc
