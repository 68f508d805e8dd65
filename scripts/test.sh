#!/usr/bin/env bash
# `npm test`: unit tests, then integration tests against the real local stack.
# Starts the stack when it is not running and stops only what it started.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."

started=()
cleanup() {
  for part in "${started[@]}"; do bash "scripts/stack/$part.sh" down >/dev/null 2>&1 || true; done
}
trap cleanup EXIT INT TERM

# Types first: tsx strips them without checking, so this is where tests and src get checked.
npx tsc -p tsconfig.check.json || exit 1

if [ "${1:-}" = "unit" ]; then
  mapfile -t files < <(find test/unit -name '*.test.ts' | sort)
  exec node --import tsx --test "${files[@]}"
fi

for part in mariadb kafka registry; do
  if ! bash "scripts/stack/$part.sh" status >/dev/null 2>&1; then
    bash "scripts/stack/$part.sh" up || exit 1
    started+=("$part")
  fi
done

# Node 20's test runner takes no globs, so the files are listed here.
mapfile -t files < <(find test/unit test/integration -name '*.test.ts' 2>/dev/null | sort)
node --import tsx --test --test-concurrency=1 "${files[@]}"
