#!/usr/bin/env bash
# test/decoders/fetch.sh — the standard decoders the integration tests run against real
# pipeline output: Apache Avro Java (Maven Central) and fastavro (PyPI), cached under
# ${TRIBUTARY_CACHE:-~/.cache/tributary}/decoders. Idempotent and quick once cached; the
# Java program is compiled once per source version.
#
#   bash test/decoders/fetch.sh     fetch + compile if needed, then print
#                                   java-classpath=<cp>  and  python-path=<dir>
set -euo pipefail

AVRO_VERSION=1.12.1
FASTAVRO_VERSION=1.13.1

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${TRIBUTARY_CACHE:-$HOME/.cache/tributary}/decoders"
JAVA_LIBS="$CACHE/avro-$AVRO_VERSION/libs"
PY_DIR="$CACHE/fastavro-$FASTAVRO_VERSION"
mkdir -p "$CACHE"

log() { printf '[decoders] %s\n' "$*" >&2; }

if [ ! -f "$JAVA_LIBS/.complete" ]; then
  log "fetching org.apache.avro:avro:$AVRO_VERSION"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  cat >"$tmp/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>io.tributary.test</groupId><artifactId>decoders</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.avro</groupId><artifactId>avro</artifactId><version>$AVRO_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>2.0.17</version></dependency>
  </dependencies>
</project>
POM
  rm -rf "$JAVA_LIBS"
  if ! (cd "$tmp" && mvn -q -B dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$JAVA_LIBS" >"$tmp/mvn.log" 2>&1); then
    tail -n 40 "$tmp/mvn.log" >&2
    exit 1
  fi
  touch "$JAVA_LIBS/.complete"
fi

source_hash="$(sha256sum "$HERE/StandardDecode.java" | cut -c1-16)"
CLASSES="$CACHE/avro-$AVRO_VERSION/classes-$source_hash"
if [ ! -f "$CLASSES/StandardDecode.class" ]; then
  log "compiling StandardDecode.java"
  mkdir -p "$CLASSES.partial"
  javac -nowarn -cp "$JAVA_LIBS/*" -d "$CLASSES.partial" "$HERE/StandardDecode.java"
  rm -rf "$CLASSES" && mv "$CLASSES.partial" "$CLASSES"
fi

if [ ! -f "$PY_DIR/.complete" ]; then
  log "installing fastavro==$FASTAVRO_VERSION"
  rm -rf "$PY_DIR"
  # --target keeps it out of the system site-packages (Debian marks those externally managed).
  PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q --disable-pip-version-check --no-warn-script-location \
    --target "$PY_DIR" "fastavro==$FASTAVRO_VERSION" >&2
  touch "$PY_DIR/.complete"
fi

echo "java-classpath=$CLASSES:$JAVA_LIBS/*"
echo "python-path=$PY_DIR"
