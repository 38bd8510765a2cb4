#!/usr/bin/env bash
# Runs every Go fuzz target in the module for the given budget each (default 3s), as
# `go test -fuzztime` takes it: a duration (30s) or a number of executions (10000x).
# make test runs a fixed number of executions, so that the work does not depend on how
# busy the machine is; make fuzz and make test-long run for a duration. Targets are found
# with grep rather than `go test -list`, which would build every test binary first.
#
# Go's fuzzer sometimes ends a run with "context deadline exceeded" when its budget runs
# out while a worker is busy, without a failing input; that run is retried once. A real
# failure saves its input under testdata/fuzz and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
time_each=${1:-3s}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
count=0
while IFS=: read -r file line; do
  target=$(sed -E 's/^func (Fuzz[A-Za-z0-9_]*)\(.*/\1/' <<<"$line")
  pkg=./$(dirname "$file")
  echo "fuzz $pkg $target ($time_each)"
  run() { go test -run '^$' -fuzz "^${target}\$" -fuzztime "$time_each" "$pkg" >"$log" 2>&1; }
  if ! run; then
    if grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log"; then
      echo "fuzz: $target hit the fuzzer's deadline without a failing input; running it again"
      run && { count=$((count + 1)); continue; }
    fi
    cat "$log"
    echo "fuzz: $target failed; the failing input is saved under $pkg/testdata/fuzz/$target" >&2
    exit 1
  fi
  count=$((count + 1))
done < <(grep -rE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(' internal cmd | sort)
[ "$count" -gt 0 ] || { echo "fuzz: no fuzz targets found" >&2; exit 1; }
echo "fuzz: all $count targets passed"
