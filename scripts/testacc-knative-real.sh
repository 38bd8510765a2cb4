#!/usr/bin/env bash
# Runs the Knative acceptance tests in real-cluster mode (FAAS_TEST_KUBECONFIG) against
# the REAL Knative Serving (controller, webhook and autoscaler) and Eventing (controller,
# webhook, PingSource adapter, in-memory channel and multi-tenant channel-based broker),
# built from ../shared/upstream, on the testbed's real Kubernetes control plane, inside the
# testbed's own network namespace (`faas-testbed run -knative`; see TESTBED.md). Builds
# the testbed first (cold: 25-30 minutes on 2 cores).
#
# The run fails when a test fails, when a test listed in REQUIRED did not pass (it
# skipped or did not run), or when the tests left a Knative Service behind. Extra
# arguments go to the test binary (for example -test.run TestAccKnative_functionLifecycle);
# REQUIRED is then not checked. Tests that need what only the simulator can do skip,
# saying so.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/bin
LABEL=testacc-knative-real

# Every Knative acceptance test that has been made to run on a real cluster. The tests
# run one at a time (-test.parallel 1): they share the namespace default, and each checks
# that no Knative Service is left there after destroy.
REQUIRED=(
  TestAccKnative_functionLifecycle
  TestAccKnative_scalingPolicyAndSecret
  TestAccKnative_dataSourcesAndErrors
  TestAccKnative_kubeconfig
  TestAccKnative_envFromReferencesSurvive
  TestAccKnativeRoute_lifecycle
  TestAccKnativeRoute_noDomainClaim
  TestAccKnative_failedRevisionFailsFast
  TestAccKnative_envValueFrom
  TestAccKnativeTrigger_cron
  TestAccKnativeTrigger_topic
  TestAccKnativeTrigger_equivalentScheduleIsNoDrift
  TestAccKnativeTrigger_scheduleRulesAgreeWithWebhook
  TestAccKnativeChildren_planErrors
  TestAccKnativeTrafficSplit_canary
  TestAccKnativeTrafficSplit_missingRevision
  TestAccKnative_pinnedRevisionTemplateChangeRefusedAtPlan
  TestAccKnative_clusterLimitsAreLeftToTheCluster
  TestAccKnative_clusterLimitsAreLeftToTheCluster/timeout
  TestAccKnative_clusterLimitsAreLeftToTheCluster/max_concurrency
  TestAccKnative_imageDigestOfBareTag
  "TestAccKnativeReliability_faults/429_with_Retry-After_on_a_third_of_requests"
  TestAccKnativeReliability_faults/bursts_of_503
  TestAccKnativeReliability_faults/dropped_connections
  TestAccKnativeReliability_faults/lost_responses
  TestAccKnativeReliability_faults/latency_spikes
  TestAccKnativeTrafficSplit_planErrors
  TestAccKnativeTrafficSplit_twoStatesNeverShareASplit
  TestAccKnativeRefresh_changesAreSeen
  TestAccFunction_emptyRevisionNameRefused
  TestAccFunction_kubernetesRules
  TestAccOwnership_twoStatesNeverShareAFunction/knative
  TestAccTrigger_malformedImportID/knative
  TestAccKnativeRefresh_noOpPlanIsBounded
  TestAccKnativeReliability_persistentOutageFailsFast
  TestAccKnativeReliability_secretsNeverLeak
  TestAccKnative_configErrors
  TestAccRefresh_aliasedBlocksSeeEachOthersWrites/knative
  TestAccKnative_planErrorsQuoteWebhook
  TestAccDataSources_knativeRevisions
  TestAccKnative_unknownAndNullCollections
  TestAccKnative_revisionNameWithScalingPolicy
  TestAccKnative_revisionNameWithScalingPolicyCLI
  TestAccSuite_functionLifecycle/knative
  TestAccSuite_secretLifecycle/knative
  TestAccSuite_scalingPolicyLifecycle/knative
  TestAccSuite_cronTriggerLifecycle/knative
  TestAccSuite_dataSources/knative
  TestAccSuite_routeLifecycle/knative
  TestAccSuite_topicTriggerLifecycle/knative
)
# The Knative tests, and the Knative halves of tests that cover several platforms (their
# OpenFaaS halves are skipped here: they run in testacc-openfaas-sim and -real; the
# neutral suite's memfake halves run in the in-process run). The
# selection is a file of its own because the in-process run of make test reads it too:
# with FAAS_TEST_SIMULATOR_ONLY, a Knative test it selects skips on the simulator.
RUN=$(cat internal/provider/testdata/knative-real-run.txt)
SKIP='/^(openfaas|memfake)$'


if [ "${1:-}" != "--inside" ]; then
  ./scripts/testbed-build.sh knative
  echo "$LABEL: building the tests and the tools"
  go build -o "$BIN/faas-testbed" ./cmd/faas-testbed
  go test -c -o "$BIN/provider.test" ./internal/provider
  go test -c -o "$BIN/testbed.test" ./internal/testbed
  go test -c -o "$BIN/conformance.test" ./internal/conformance
  exec "$BIN/faas-testbed" run -knative -start-timeout 9m -logs-on-failure -- "$0" --inside "$@"
fi
shift

mkdir -p "$BIN"
[ -f "$BIN/empty.tfrc" ] || touch "$BIN/empty.tfrc"
export TF_ACC=1 TF_ACC_TERRAFORM_PATH=${TF_ACC_TERRAFORM_PATH:-$(command -v terraform)}
export TF_CLI_CONFIG_FILE=${TF_CLI_CONFIG_FILE:-$BIN/empty.tfrc} CHECKPOINT_DISABLE=1
unset KUBE_CONFIG_PATH KUBE_CONFIG_PATHS KUBE_HOST KUBE_TOKEN KUBE_CTX
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail_run() {
  cat "$1"
  echo "$LABEL: $2" >&2
  exit 1
}
# shellcheck source=scripts/testacc-lib.sh
source scripts/testacc-lib.sh # check_covered

# The testbed itself: a Knative Service becomes Ready on the real Serving.
start=$SECONDS
FAAS_TESTBED_BIN=$BIN/testbed "$BIN/testbed.test" -test.count=1 -test.v \
  -test.run 'TestClusterAddressesAreRefusedLocally|TestKnativeServiceBecomesReady' >"$work/testbed.log" 2>&1 ||
  fail_run "$work/testbed.log" "the testbed tests failed"
for name in TestClusterAddressesAreRefusedLocally TestKnativeServiceBecomesReady; do
  grep -q -- "--- PASS: $name " "$work/testbed.log" || fail_run "$work/testbed.log" "$name did not pass"
done
grep -E -- '^(--- |    knative_test)' "$work/testbed.log"
echo "$LABEL: testbed tests in $((SECONDS - start))s"
# k8ssim's claims about Knative Serving, against the real one: the same requests.
"$BIN/conformance.test" -test.count=1 -test.v -test.run 'TestKnativeServingParity|TestKnativeEventingParity' >"$work/parity.log" 2>&1 ||
  fail_run "$work/parity.log" "the parity tests failed"
grep -q -- "--- PASS: TestKnativeServingParity/real " "$work/parity.log" || fail_run "$work/parity.log" "the parity test did not run against the real Serving"
grep -q -- "--- PASS: TestKnativeEventingParity/real " "$work/parity.log" || fail_run "$work/parity.log" "the parity test did not run against the real Eventing"
grep -E -- '--- |known difference' "$work/parity.log"

echo "$LABEL: the Knative acceptance tests against the real Knative Serving and Eventing (kubeconfig $FAAS_TEST_KUBECONFIG)"
start=$SECONDS
status=0
(cd internal/provider && "$BIN/provider.test" -test.count=1 -test.v -test.timeout 40m -test.parallel 1 -test.run "$RUN" -test.skip "$SKIP" "$@") >"$work/test.log" 2>&1 || status=$?
elapsed=$((SECONDS - start))
[ "$status" -eq 0 ] || fail_run "$work/test.log" "go test failed (exit $status)"
if [ $# -eq 0 ]; then
  missing=()
  for name in "${REQUIRED[@]}"; do
    grep -qF -- "--- PASS: $name (" "$work/test.log" || missing+=("$name")
  done
  [ ${#missing[@]} -eq 0 ] || fail_run "$work/test.log" "these tests must pass on the real Knative but were skipped or did not run: ${missing[*]}"
  covered=$(check_covered "$work/test.log") || fail_run "$work/test.log" "$covered"
  echo "$covered"
fi
for kind in services.serving.knative.dev domainmappings.serving.knative.dev pingsources.sources.knative.dev triggers.eventing.knative.dev brokers.eventing.knative.dev; do
  leftovers=$(kubectl --kubeconfig "$FAAS_TEST_KUBECONFIG" get "$kind" -A --no-headers 2>&1 || true)
  [ -z "$leftovers" ] || [[ "$leftovers" == "No resources found"* ]] || fail_run "$work/test.log" "the tests left $kind behind: $leftovers"
done
grep -E -- '^ *--- (PASS|FAIL)' "$work/test.log" || true
echo "$LABEL: $(grep -cE '^ *--- PASS: ' "$work/test.log" || true) passed, $(grep -cE '^ *--- FAIL: ' "$work/test.log" || true) failed, $(grep -cE '^ *--- SKIP: ' "$work/test.log" || true) skipped (simulator-only), in ${elapsed}s"
