#!/usr/bin/env bash
# scripts/stack/connect.sh — a standalone Kafka Connect worker, run natively with a JVM on the
# shared broker, with Debezium's JDBC sink and Apicurio's Confluent-framing Avro converter on its
# plugin path. No Docker. Everything comes from Maven Central. Not part of `npm run stack:up`:
# only the downstream test needs it (scripts/test.sh starts it for that file and stops it after).
#
#   bash scripts/stack/connect.sh fetch    resolve the worker and the plugins into ${TRIBUTARY_CACHE:-~/.cache/tributary}/connect-<ver>
#   bash scripts/stack/connect.sh up       fetch if needed, start, wait until the REST API lists the plugins
#   bash scripts/stack/connect.sh down     stop the process in the pid file (TERM, then KILL after ~15s)
#   bash scripts/stack/connect.sh status   exit 0 if running, 3 if not
#
# What is resolved (the worker's classpath and one folder per plugin, each with its own
# dependencies; Kafka's own jars are left out of the plugins, the worker provides them):
#   worker   org.apache.kafka:connect-runtime:4.1.1 (the stack's Kafka version), log4j2
#   plugins  io.debezium:debezium-connector-jdbc:3.5.0.Final (bundles Hibernate and the MySQL,
#            PostgreSQL, SQL Server and Oracle drivers) + org.mariadb.jdbc:mariadb-java-client,
#            io.apicurio:apicurio-registry-utils-converter:2.6.13.Final (reads and writes the
#            Confluent wire format with apicurio.registry.as-confluent=true)
#
# Standalone mode: no config/offset/status topics; a sink's offsets are its consumer group's
# (connect-<connector name>) on the broker; the source-offset file lives under the stack dir.
# Connectors are created through the REST API (POST /connectors); none survive a restart,
# since standalone mode keeps connector configs in memory.
#
# Environment:
#   TRIBUTARY_CACHE        jar cache root                 (default $HOME/.cache/tributary)
#   STACK_DIR              runtime state root             (default <repo>/.stack; we use $STACK_DIR/connect)
#   CONNECT_PORT           REST port, on 127.0.0.1 only   (default 18083)
#   KAFKA_PORT             the broker                     (default 19092)
#   CONNECT_HEAP_OPTS      JVM heap                       (default "-Xmx384m")
#   CONNECT_START_TIMEOUT  seconds to wait for ready      (default 90)
set -euo pipefail

KAFKA_VERSION="4.1.1"
JDBC_SINK_VERSION="3.5.0.Final"
MARIADB_DRIVER_VERSION="3.5.6"
CONVERTER_VERSION="2.6.13.Final"
LOG4J_VERSION="2.24.3"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"

CACHE_ROOT="${TRIBUTARY_CACHE:-$HOME/.cache/tributary}"
CONNECT_HOME="$CACHE_ROOT/connect-$KAFKA_VERSION-jdbc-$JDBC_SINK_VERSION-apicurio-$CONVERTER_VERSION"
LIBS_DIR="$CONNECT_HOME/libs"
PLUGINS_DIR="$CONNECT_HOME/plugins"
FETCH_MARKER="$CONNECT_HOME/.fetch-complete"

STACK_ROOT="${STACK_DIR:-$REPO_ROOT/.stack}"
CDIR="$STACK_ROOT/connect"
PROPS="$CDIR/worker.properties"
LOG_FILE="$CDIR/connect.log"
PID_FILE="$CDIR/connect.pid"

HOST="127.0.0.1"
PORT="${CONNECT_PORT:-18083}"
BROKER="$HOST:${KAFKA_PORT:-19092}"
HEAP_OPTS="${CONNECT_HEAP_OPTS:--Xmx384m}"
START_TIMEOUT="${CONNECT_START_TIMEOUT:-90}"
REST="http://$HOST:$PORT"

log() { printf '[connect] %s\n' "$*"; }
err() { printf '[connect] ERROR: %s\n' "$*" >&2; }
DAEMON_CMDLINE='ConnectStandalone'
# shellcheck source=daemon.sh
source "$(dirname "${BASH_SOURCE[0]}")/daemon.sh"

need_tools() {
  local missing=()
  command -v java >/dev/null 2>&1 || missing+=(java)
  if [[ "${1:-}" == "mvn" ]]; then command -v mvn >/dev/null 2>&1 || missing+=(mvn); fi
  if ((${#missing[@]})); then
    err "missing: ${missing[*]}"
    err "install them with:  apt-get install -y openjdk-17-jre-headless maven"
    exit 1
  fi
}

is_fetched() { [[ -f "$FETCH_MARKER" && -d "$LIBS_DIR" && -d "$PLUGINS_DIR" ]]; }

# ---------------------------------------------------------------- fetch
# resolve <dir> <exclude-group-ids> <dependency xml...>: copies the runtime closure into <dir>.
resolve() {
  local out="$1" exclude="$2" tmp
  shift 2
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/tributary-connect-fetch.XXXXXX")"
  cat >"$tmp/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.tributary.stack</groupId>
  <artifactId>connect-part</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
$(printf '    %s\n' "$@")
  </dependencies>
</project>
EOF
  local args=(-q -B dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$out")
  [[ -n "$exclude" ]] && args+=("-DexcludeGroupIds=$exclude" "-DexcludeArtifactIds=slf4j-api")
  if ! (cd "$tmp" && mvn "${args[@]}" >"$tmp/mvn.log" 2>&1); then
    err "mvn could not resolve $out:"
    tail -n 40 "$tmp/mvn.log" >&2 || true
    rm -rf "$tmp"
    return 1
  fi
  rm -rf "$tmp"
}

dep() { printf '<dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version></dependency>' "$1" "$2" "$3"; }

cmd_fetch() {
  if is_fetched; then
    log "connect $KAFKA_VERSION + plugins already fetched: $CONNECT_HOME"
    return 0
  fi
  need_tools mvn
  local start part
  start=$(date +%s)
  part="$CONNECT_HOME.partial"
  rm -rf "$part"
  mkdir -p "$part/plugins"
  log "resolving connect-runtime $KAFKA_VERSION, debezium-connector-jdbc $JDBC_SINK_VERSION, apicurio-registry-utils-converter $CONVERTER_VERSION via Maven Central ..."
  resolve "$part/libs" "" \
    "$(dep org.apache.kafka connect-runtime "$KAFKA_VERSION")" \
    "$(dep org.apache.logging.log4j log4j-slf4j-impl "$LOG4J_VERSION")" \
    "$(dep org.apache.logging.log4j log4j-core "$LOG4J_VERSION")" || exit 1
  # Kafka's jars stay out of the plugins: the worker's connect-api and kafka-clients must be
  # the ones the plugins see (the converter would otherwise bring Kafka 3.9's). So does
  # jackson-core/databind of the JDBC sink: Hibernate registers every Jackson module the
  # ServiceLoader finds, which includes the worker's jackson-datatype-jdk8, linked against
  # the worker's databind; a second databind in the plugin fails with "Jdk8Module not a subtype".
  resolve "$part/plugins/debezium-connector-jdbc" "org.apache.kafka,com.fasterxml.jackson.core" \
    "$(dep io.debezium debezium-connector-jdbc "$JDBC_SINK_VERSION")" \
    "$(dep org.mariadb.jdbc mariadb-java-client "$MARIADB_DRIVER_VERSION")" || exit 1
  resolve "$part/plugins/apicurio-converter" "org.apache.kafka" \
    "$(dep io.apicurio apicurio-registry-utils-converter "$CONVERTER_VERSION")" || exit 1
  [[ -f "$part/libs/connect-runtime-$KAFKA_VERSION.jar" ]] || { err "connect-runtime-$KAFKA_VERSION.jar missing after mvn"; exit 1; }
  rm -rf "$CONNECT_HOME"
  mv "$part" "$CONNECT_HOME"
  date -u +%FT%TZ >"$FETCH_MARKER"
  log "fetched ($(du -sh "$CONNECT_HOME" | cut -f1)) in $(($(date +%s) - start))s -> $CONNECT_HOME"
}

# ---------------------------------------------------------------- helpers



# Ready = the REST API answers and the JDBC sink is among the loaded plugins.
ping_connect() {
  node -e "fetch(process.argv[1], { signal: AbortSignal.timeout(3000) }).then(async (r) => process.exit(r.ok && (await r.text()).includes('JdbcSinkConnector') ? 0 : 1), () => process.exit(1))" \
    "$REST/connector-plugins" >/dev/null 2>&1
}


write_configs() {
  mkdir -p "$CDIR"
  cat >"$PROPS" <<EOF
# Generated by scripts/stack/connect.sh (Kafka Connect $KAFKA_VERSION, standalone) — overwritten on every 'up'.
bootstrap.servers=$BROKER
listeners=http://$HOST:$PORT
rest.advertised.host.name=$HOST
rest.advertised.port=$PORT
plugin.path=$PLUGINS_DIR
# Only the worker's defaults; each connector names its own converters.
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
offset.storage.file.filename=$CDIR/offsets
offset.flush.interval.ms=1000
# Connectors may tune their own consumers (a test sets metadata.max.age.ms so that a
# topics.regex picks up a new table's topic in a second, not in five minutes).
connector.client.config.override.policy=All
# Scanned by reflection: Apicurio's converter jar has no ServiceLoader manifest, so
# service_load would not find it.
plugin.discovery=only_scan
EOF
  cat >"$CDIR/log4j2.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="STDOUT" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="INFO"><AppenderRef ref="STDOUT"/></Root>
    <Logger name="org.apache.kafka.clients" level="WARN"/>
    <Logger name="org.apache.kafka.common.utils.AppInfoParser" level="WARN"/>
    <Logger name="org.apache.kafka.connect.runtime.isolation" level="WARN"/>
    <Logger name="org.apache.kafka.connect.runtime.rest.RestServer" level="WARN"/>
    <Logger name="org.hibernate" level="WARN"/>
    <Logger name="com.mchange" level="WARN"/>
  </Loggers>
</Configuration>
EOF
}

wait_ready() {
  local pid="$1" deadline=$(($(date +%s) + START_TIMEOUT))
  while (($(date +%s) < deadline)); do
    if ! still_starting "$pid"; then
      rm -f "$PID_FILE"
      fail_with_log "connect worker $pid exited during startup"
    fi
    if port_open "$PORT" && ping_connect; then return 0; fi
    sleep 0.5
  done
  fail_with_log "connect worker did not answer on $REST within ${START_TIMEOUT}s (pid $pid still running; 'down' stops it)"
}

# ---------------------------------------------------------------- up / down / status
cmd_up() {
  need_tools
  command -v node >/dev/null 2>&1 || { err "node is required for the readiness probe"; exit 1; }
  is_fetched || cmd_fetch
  mkdir -p "$CDIR"

  local pid
  pid="$(read_pid)"
  if pid_alive "$pid"; then
    if ping_connect; then
      log "already running (pid $pid) on $REST"
      return 0
    fi
    log "pid $pid is alive but not answering yet; waiting"
    wait_ready "$pid"
    log "ready (pid $pid) on $REST"
    return 0
  fi
  rm -f "$PID_FILE"

  if port_open "$PORT"; then
    err "$HOST:$PORT is already in use by another process (not ours: no live pid in $PID_FILE)."
    err "set CONNECT_PORT or stop whatever is listening there."
    exit 1
  fi

  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.prev"
  : >"$LOG_FILE"
  write_configs
  log "starting kafka connect $KAFKA_VERSION (standalone) on $REST, broker $BROKER, log: $LOG_FILE"
  # The serial collector and C1 only: the worker starts faster and stays small; throughput
  # is not what this worker is for.
  # shellcheck disable=SC2086
  (
    cd "$CDIR"
    exec setsid nohup java $HEAP_OPTS -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
      -Djava.awt.headless=true -Dlog4j2.configurationFile="$CDIR/log4j2.xml" \
      -cp "$LIBS_DIR/*" org.apache.kafka.connect.cli.ConnectStandalone "$PROPS" >>"$LOG_FILE" 2>&1 </dev/null
  ) &
  pid=$!
  echo "$pid" >"$PID_FILE"
  wait_ready "$pid"
  log "ready (pid $pid) on $REST"
}

cmd_down() { stop_daemon 15; }

cmd_status() {
  local pid
  pid="$(read_pid)"
  if pid_alive "$pid"; then
    if port_open "$PORT"; then
      log "running: pid $pid, $REST (kafka connect $KAFKA_VERSION, standalone)"
      return 0
    fi
    log "starting: pid $pid alive but $HOST:$PORT not open yet"
    return 3
  fi
  log "not running (expected on $REST)"
  return 3
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *)
    echo "usage: bash scripts/stack/connect.sh {fetch|up|down|status}" >&2
    exit 2
    ;;
esac
