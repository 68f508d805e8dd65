#!/usr/bin/env bash
# scripts/stack/kafka.sh — a real single-node Apache Kafka broker (KRaft, combined
# broker+controller) run natively with a JVM; no Docker. Jars come from Maven Central.
#
#   bash scripts/stack/kafka.sh fetch    resolve jars into ${TRIBUTARY_CACHE:-~/.cache/tributary}/kafka-<ver>/libs
#   bash scripts/stack/kafka.sh up       fetch if needed, format storage once, start, wait until it answers metadata
#   bash scripts/stack/kafka.sh down     stop the process in the pid file (TERM, then KILL after ~20s)
#   bash scripts/stack/kafka.sh status   exit 0 if running, 3 if not
#
# Pinned version: Kafka 4.1.1 (org.apache.kafka:kafka_2.13:4.1.1), newest 4.x on Maven Central.
# Why 4.x: verified against kafkajs 2.2.4 (the client this project ships with) with a
# throwaway script: admin createTopics, an idempotent producer (idempotent: true,
# maxInFlightRequests: 1, acks -1), a consumer group reading fromBeginning, and admin
# fetchTopicOffsets all work. kafkajs negotiates versions via ApiVersions and its highest
# versions are all still supported after KIP-896 removed the old protocol versions in 4.0.
# Fallback if that ever breaks: TRIBUTARY_KAFKA_VERSION=3.9.1 (the script switches the
# logging backend to slf4j-reload4j + reload4j for 3.x automatically).
#
# Logging backend: 4.x uses log4j2. Kafka 4.x still depends on slf4j-api 1.7.36, so the
# binding is log4j-slf4j-impl (slf4j 1.x binding, same as the Kafka 4.x distribution),
# not log4j-slf4j2-impl (which needs slf4j-api 2.x and would leave slf4j with a NOP logger).
#
# Environment:
#   TRIBUTARY_CACHE        jar cache root            (default $HOME/.cache/tributary)
#   STACK_DIR              runtime state root         (default <repo>/.stack; we use $STACK_DIR/kafka)
#   KAFKA_PORT             client listener port       (default 19092, bound to 127.0.0.1 only)
#   KAFKA_CONTROLLER_PORT  KRaft controller port      (default 19093, bound to 127.0.0.1 only)
#   KAFKA_SASL_SSL_PORT    opt-in: a SASL_SSL listener on this port (unset: none). Certificates
#                          from tls-certs.sh in $STACK_DIR/kafka/tls (the broker presents
#                          server.pem and requires a client certificate of the same CA);
#                          mechanisms PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 for user
#                          $KAFKA_SASL_USER (SCRAM users are created when storage is formatted)
#   KAFKA_SASL_USER        SASL user                  (default tributary)
#   KAFKA_SCRAM_PASSWORD   its SCRAM password, both mechanisms (default tributary-scram-secret)
#   KAFKA_PLAIN_PASSWORD   its PLAIN password         (default tributary-plain-secret)
#   KAFKA_HEAP_OPTS        JVM heap                   (default "-Xmx512m -Xms256m")
#   KAFKA_START_TIMEOUT    seconds to wait for ready  (default 60)
#   TRIBUTARY_KAFKA_VERSION override the pinned version (e.g. 3.9.1)
set -euo pipefail

KAFKA_VERSION="${TRIBUTARY_KAFKA_VERSION:-4.1.1}"
SCALA_BINARY="2.13"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"

CACHE_ROOT="${TRIBUTARY_CACHE:-$HOME/.cache/tributary}"
KAFKA_HOME="$CACHE_ROOT/kafka-$KAFKA_VERSION"
LIBS_DIR="$KAFKA_HOME/libs"
FETCH_MARKER="$KAFKA_HOME/.fetch-complete"

STACK_ROOT="${STACK_DIR:-$REPO_ROOT/.stack}"
KDIR="$STACK_ROOT/kafka"
DATA_DIR="$KDIR/data"
PROPS="$KDIR/server.properties"
LOG_FILE="$KDIR/kafka.log"
PID_FILE="$KDIR/kafka.pid"

HOST="127.0.0.1"
PORT="${KAFKA_PORT:-19092}"
CTRL_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
SASL_SSL_PORT="${KAFKA_SASL_SSL_PORT:-}"
SASL_USER="${KAFKA_SASL_USER:-tributary}"
SCRAM_PASSWORD="${KAFKA_SCRAM_PASSWORD:-tributary-scram-secret}"
PLAIN_PASSWORD="${KAFKA_PLAIN_PASSWORD:-tributary-plain-secret}"
TLS_DIR="$KDIR/tls"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
NODE_ID=1

KAFKA_MAJOR="${KAFKA_VERSION%%.*}"

log() { printf '[kafka] %s\n' "$*"; }
err() { printf '[kafka] ERROR: %s\n' "$*" >&2; }
DAEMON_CMDLINE='kafka\.Kafka'
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

is_fetched() { [[ -f "$FETCH_MARKER" && -d "$LIBS_DIR" ]]; }

# ---------------------------------------------------------------- fetch
logging_deps() {
  if ((KAFKA_MAJOR >= 4)); then
    cat <<'EOF'
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.24.3</version></dependency>
EOF
  else
    cat <<'EOF'
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>1.2.25</version></dependency>
EOF
  fi
}

cmd_fetch() {
  if is_fetched; then
    log "kafka $KAFKA_VERSION already fetched: $LIBS_DIR"
    return 0
  fi
  need_tools mvn
  log "resolving org.apache.kafka:kafka_$SCALA_BINARY:$KAFKA_VERSION + runtime deps via Maven Central ..."
  local tmp start
  start=$(date +%s)
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/tributary-kafka-fetch.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" RETURN
  cat >"$tmp/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.tributary.stack</groupId>
  <artifactId>kafka-libs</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_$SCALA_BINARY</artifactId><version>$KAFKA_VERSION</version></dependency>
$(logging_deps)
  </dependencies>
</project>
EOF
  mkdir -p "$KAFKA_HOME"
  rm -rf "$LIBS_DIR.partial"
  if ! (cd "$tmp" && mvn -q -B dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$LIBS_DIR.partial" >"$tmp/mvn.log" 2>&1); then
    err "mvn could not resolve kafka $KAFKA_VERSION:"
    tail -n 40 "$tmp/mvn.log" >&2 || true
    rm -rf "$LIBS_DIR.partial"
    exit 1
  fi
  if ! ls "$LIBS_DIR.partial"/kafka_"$SCALA_BINARY"-"$KAFKA_VERSION".jar >/dev/null 2>&1; then
    err "mvn finished but kafka_$SCALA_BINARY-$KAFKA_VERSION.jar is missing in $LIBS_DIR.partial"
    exit 1
  fi
  rm -rf "$LIBS_DIR"
  mv "$LIBS_DIR.partial" "$LIBS_DIR"
  date -u +%FT%TZ >"$FETCH_MARKER"
  log "fetched $(ls "$LIBS_DIR" | wc -l) jars ($(du -sh "$LIBS_DIR" | cut -f1)) in $(($(date +%s) - start))s -> $LIBS_DIR"
}

# ---------------------------------------------------------------- helpers



ping_broker() {
  (cd "$REPO_ROOT" && node "$SCRIPT_DIR/kafka-ping.mjs" "$HOST:$PORT" --timeout "${1:-4000}" ${2:+"$2"}) >/dev/null 2>&1
}


write_configs() {
  mkdir -p "$KDIR" "$DATA_DIR"
  local listeners="PLAINTEXT://$HOST:$PORT" protocols="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
  if [[ -n "$SASL_SSL_PORT" ]]; then
    listeners+=",SASL_SSL://$HOST:$SASL_SSL_PORT"
    protocols+=",SASL_SSL:SASL_SSL"
  fi
  cat >"$PROPS" <<EOF
# Generated by scripts/stack/kafka.sh (Kafka $KAFKA_VERSION) — overwritten on every 'up'.
process.roles=broker,controller
node.id=$NODE_ID
controller.quorum.voters=$NODE_ID@$HOST:$CTRL_PORT
listeners=$listeners,CONTROLLER://$HOST:$CTRL_PORT
advertised.listeners=$listeners
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$protocols
log.dirs=$DATA_DIR
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
delete.topic.enable=true
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
log.segment.bytes=67108864
EOF
  if [[ -n "$SASL_SSL_PORT" ]]; then write_sasl_ssl_config; fi
  if ((KAFKA_MAJOR >= 4)); then
    cat >>"$PROPS" <<EOF
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
EOF
    # log4j2: everything to stdout, which 'up' redirects into kafka.log.
    cat >"$KDIR/log4j2.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="STDOUT" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="INFO"><AppenderRef ref="STDOUT"/></Root>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="state.change.logger" level="WARN"/>
    <Logger name="kafka.authorizer.logger" level="WARN"/>
    <Logger name="org.apache.kafka.clients" level="WARN"/>
    <Logger name="org.apache.kafka.common.utils.AppInfoParser" level="WARN"/>
  </Loggers>
</Configuration>
EOF
  else
    cat >"$KDIR/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.org.apache.kafka.common.utils.AppInfoParser=WARN
EOF
  fi
}

# The SASL_SSL listener: TLS with a required client certificate, then a SASL login. The
# PLAIN user lives in the JAAS line; SCRAM users live in the cluster metadata (format_storage).
write_sasl_ssl_config() {
  bash "$SCRIPT_DIR/tls-certs.sh" "$TLS_DIR"
  cat "$TLS_DIR/server.key" "$TLS_DIR/server.pem" >"$TLS_DIR/server-keystore.pem"
  chmod 600 "$TLS_DIR/server-keystore.pem"
  cat >>"$PROPS" <<EOF
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$TLS_DIR/server-keystore.pem
listener.name.sasl_ssl.ssl.truststore.type=PEM
listener.name.sasl_ssl.ssl.truststore.location=$TLS_DIR/ca.pem
listener.name.sasl_ssl.ssl.client.auth=required
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_USER="$PLAIN_PASSWORD";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
EOF
}

java_log_opts() {
  if ((KAFKA_MAJOR >= 4)); then
    printf '%s\n' "-Dlog4j2.configurationFile=$KDIR/log4j2.xml"
  else
    printf '%s\n' "-Dlog4j.configuration=file:$KDIR/log4j.properties"
  fi
}

format_storage() {
  local stamp="$DATA_DIR/.formatted-by" want="$KAFKA_VERSION" scram=()
  if [[ -n "$SASL_SSL_PORT" ]]; then
    # The stamp names the SCRAM user, so storage formatted without it is formatted again.
    want+=" scram:$SASL_USER:$(printf '%s' "$SCRAM_PASSWORD" | sha256sum | cut -c1-16)"
    scram=(--add-scram "SCRAM-SHA-256=[name=$SASL_USER,password=$SCRAM_PASSWORD]"
      --add-scram "SCRAM-SHA-512=[name=$SASL_USER,password=$SCRAM_PASSWORD]")
  fi
  if [[ -f "$DATA_DIR/meta.properties" && -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  if [[ -e "$DATA_DIR/meta.properties" ]]; then
    log "data dir was formatted by another Kafka version or SCRAM setup; wiping $DATA_DIR"
  fi
  rm -rf "$DATA_DIR"
  mkdir -p "$DATA_DIR"
  local cluster_id
  cluster_id="$(java -cp "$LIBS_DIR/*" $(java_log_opts) kafka.tools.StorageTool random-uuid 2>>"$LOG_FILE" | tail -n 1)"
  [[ -n "$cluster_id" ]] || fail_with_log "StorageTool random-uuid produced no cluster id"
  log "formatting KRaft storage (cluster id $cluster_id)"
  # Static quorum (controller.quorum.voters) works unchanged on 3.9 and 4.x, so no --standalone.
  if ! java -cp "$LIBS_DIR/*" $(java_log_opts) kafka.tools.StorageTool format \
      -t "$cluster_id" -c "$PROPS" "${scram[@]}" >>"$LOG_FILE" 2>&1; then
    fail_with_log "kafka-storage format failed"
  fi
  echo "$want" >"$stamp"
}

wait_ready() {
  local pid="$1" deadline=$(($(date +%s) + START_TIMEOUT))
  while (($(date +%s) < deadline)); do
    if ! still_starting "$pid"; then
      rm -f "$PID_FILE"
      fail_with_log "broker process $pid exited during startup"
    fi
    if port_open "$PORT" && ping_broker 3000; then
      return 0
    fi
    sleep 1
  done
  fail_with_log "broker did not answer metadata on $HOST:$PORT within ${START_TIMEOUT}s (pid $pid still running; 'down' stops it)"
}

# ---------------------------------------------------------------- up / down / status
cmd_up() {
  need_tools
  command -v node >/dev/null 2>&1 || { err "node is required for the readiness probe"; exit 1; }
  is_fetched || cmd_fetch
  mkdir -p "$KDIR"

  local pid
  pid="$(read_pid)"
  if pid_alive "$pid"; then
    if ping_broker 3000; then
      log "already running (pid $pid) on $HOST:$PORT"
      return 0
    fi
    log "pid $pid is alive but not answering yet; waiting"
    wait_ready "$pid"
    log "ready (pid $pid) on $HOST:$PORT"
    return 0
  fi
  rm -f "$PID_FILE"

  for p in "$PORT" "$CTRL_PORT" $SASL_SSL_PORT; do
    if port_open "$p"; then
      err "$HOST:$p is already in use by another process (not ours: no live pid in $PID_FILE)."
      err "set KAFKA_PORT / KAFKA_CONTROLLER_PORT or stop whatever is listening there."
      exit 1
    fi
  done

  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.prev"
  : >"$LOG_FILE"
  write_configs
  format_storage

  log "starting kafka $KAFKA_VERSION on $HOST:$PORT (controller $HOST:$CTRL_PORT), log: $LOG_FILE"
  # shellcheck disable=SC2086
  (
    cd "$KDIR"
    exec setsid nohup java $HEAP_OPTS \
      -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
      -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
      -Dkafka.logs.dir="$KDIR/logs" $(java_log_opts) \
      -cp "$LIBS_DIR/*" kafka.Kafka "$PROPS" >>"$LOG_FILE" 2>&1 </dev/null
  ) &
  pid=$!
  echo "$pid" >"$PID_FILE"
  wait_ready "$pid"
  log "ready (pid $pid) on $HOST:$PORT${SASL_SSL_PORT:+, SASL_SSL on $HOST:$SASL_SSL_PORT (certificates in $TLS_DIR)}"
}

cmd_down() { stop_daemon 20; }

cmd_status() {
  local pid
  pid="$(read_pid)"
  if pid_alive "$pid"; then
    if port_open "$PORT"; then
      log "running: pid $pid, $HOST:$PORT (kafka $KAFKA_VERSION)"
      return 0
    fi
    log "starting: pid $pid alive but $HOST:$PORT not open yet"
    return 3
  fi
  log "not running (expected on $HOST:$PORT)"
  return 3
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *)
    echo "usage: bash scripts/stack/kafka.sh {fetch|up|down|status}" >&2
    exit 2
    ;;
esac
