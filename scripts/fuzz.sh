#!/usr/bin/env bash
# Runs every Go fuzz target in the module for the given time each (default 3s):
# make test runs them briefly, make fuzz and make test-long longer. Targets are found
# with grep rather than `go test -list`, which would build every test binary first.
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
  if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$time_each" "$pkg" >"$log" 2>&1; then
    cat "$log"
    echo "fuzz: $target failed; the failing input is saved under $pkg/testdata/fuzz/$target" >&2
    exit 1
  fi
  count=$((count + 1))
done < <(grep -rE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(' internal cmd | sort)
[ "$count" -gt 0 ] || { echo "fuzz: no fuzz targets found" >&2; exit 1; }
echo "fuzz: all $count targets passed"
