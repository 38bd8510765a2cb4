#!/usr/bin/env bash
# The benchmark on the REAL Knative (make bench runs it after the simulators): builds the
# provider, cmd/faas-bench and the testbed, starts the real Kubernetes control plane with
# the real Knative Serving and Eventing inside a network namespace of its own
# (`faas-testbed run -knative`, TESTBED.md), and runs faas-bench -platforms knative-real
# there. faas-bench meters every request the provider sends through a proxy in front of
# the real API server (cmd/faas-bench/knative_real.go), so the request counts are the
# same measurement as on the simulator; the times include the real controllers' work.
#
# BENCH_REAL_N (default "10 50") are the sizes: each function is a Knative Service with
# its own Deployment, reconciled on 2 cores, so sizes stay small. Writes
# bench/results/knative-real/latest.md and latest.json and prints the report.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/bin
N=${BENCH_REAL_N:-10 50}
PAR=${BENCH_PARALLELISM:-10}

if [ "${1:-}" != "--inside" ]; then
  go build -o "$BIN/terraform-provider-faas" .
  go build -o "$BIN/faas-bench" ./cmd/faas-bench
  ./scripts/testbed-build.sh knative
  go build -o "$BIN/faas-testbed" ./cmd/faas-testbed
  exec "$BIN/faas-testbed" run -knative -start-timeout 9m -logs-on-failure -- "$0" --inside
fi

"$BIN/faas-bench" -provider "$BIN/terraform-provider-faas" -platforms knative-real -n "$N" \
  -parallelism "$PAR" -out bench/results/knative-real
