#!/usr/bin/env bash
# Runs the OpenFaaS acceptance tests in real-gateway mode against the REAL OpenFaaS
# Community Edition (faas-netes and the gateway built from ../shared/upstream) on the
# testbed's real Kubernetes control plane, inside the testbed's own network namespace
# (cmd/faas-testbed; see TESTBED.md). Builds the testbed first (cold: 15-20 minutes).
#
# The run fails when a test fails, when a test listed in REQUIRED did not pass (it
# skipped or did not run), when the gateway's password appears anywhere in the output,
# or when the tests left a function or secret behind. Extra arguments go to the test
# binary (for example -test.run TestAccFunction_); REQUIRED is then not checked.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/bin
LABEL=testacc-openfaas-real

# Every OpenFaaS acceptance test that a real faas-netes Community Edition gateway
# supports. Tests of Pro features, faasd, or what only a simulator can show, skip.
REQUIRED=(
  TestAccOpenFaaS_platform
  TestAccSuite_functionLifecycle/openfaas
  TestAccSuite_secretLifecycle/openfaas
  TestAccSuite_scalingPolicyLifecycle/openfaas
  TestAccSuite_cronTriggerLifecycle/openfaas
  TestAccSuite_dataSources/openfaas
  TestAccSuite_topicTriggerLifecycle/openfaas
  TestAccProvider_configErrors
  TestAccProvider_envFallback
  TestAccProvider_wrongCredentials
  TestAccFunction_lifecycle/faas-netes
  TestAccFunction_emptyCollections
  TestAccFunction_quantitiesCompareByValue
  TestAccFunction_existingIsNotTakenOver
  TestAccFunction_importOutOfBand
  TestAccFunction_watchdogTimeouts/faas-netes
  TestAccFunction_openfaasStoreCatalogue/Community_Edition
  TestAccScalingPolicy_lifecycle
  TestAccTrigger_lifecycle
  TestAccTrigger_communityEditionOneTrigger
  TestAccChildren_functionReplacedReappliesChildren
  TestAccChildren_parallelWritesNeverLoseKeys/run00/ce_settings
  TestAccImportGenerateConfig
  TestAccRefresh_outOfBandChangesBetweenPlansAreSeen
  TestAccRefresh_readsAfterWritesInOneRunSeeThem
  TestAccReliability_unknownValuesAtPlan/ce_settings
  TestAccDataSources
  TestAccDataSources_missingFunction
  TestAccSecret_lifecycle
  TestAccSecret_errors
  TestAccSecret_invalidName
  # The fault suite, through the fault-injecting proxy in front of the real gateway.
  TestAccReliability_faults
  TestAccReliability_persistent500
  TestAccReliability_providerKilledMidApply
  TestAccReliability_secretsNeverLeak
  TestAccReliability_ignoredUpdates
  TestAccReliability_backToBackWrites
  TestAccFunction_lostCreateResponseIsAdopted
  TestAccOwnership_twoStatesNeverShareAFunction/openfaas
  TestAccTrigger_timeZone
  # A `<tag>@<digest>` passes faas-netes CE's anonymous-image check and reads back as written.
  TestAccFunction_resolveImageDigestOpenFaaS
  # Knative-only features refused on a real CE gateway at plan time, with nothing written.
  TestAccChildren_planTimeErrors/traffic_split_on_openfaas
  TestAccFunction_planTimeErrors/revision_name_on_openfaas
)

if [ "${1:-}" != "--inside" ]; then
  ./scripts/testbed-build.sh openfaas
  echo "$LABEL: building the tests and the tools"
  go build -o "$BIN/faas-testbed" ./cmd/faas-testbed
  go build -o "$BIN/faas-testclean" ./cmd/faas-testclean
  go test -c -o "$BIN/provider.test" ./internal/provider
  go test -c -o "$BIN/testbed.test" ./internal/testbed
  go test -c -o "$BIN/conformance.test" ./internal/conformance
  # Outside any namespace: a killed faas-testbed leaves no process behind.
  FAAS_TESTBED_BIN=$BIN/testbed go test -count=1 -run TestKilledRunLeavesNothing -v ./cmd/faas-testbed | grep -E '^(--- |ok|FAIL)'
  exec "$BIN/faas-testbed" run -openfaas -logs-on-failure -- "$0" --inside "$@"
fi
shift

# shellcheck source=scripts/testacc-lib.sh
source scripts/testacc-lib.sh
acc_env
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Inside the namespace: cluster addresses are refused locally; a second control plane
# starts and stops cleanly beside this one.
FAAS_TESTBED_BIN=$BIN/testbed "$BIN/testbed.test" -test.count=1 -test.v >"$work/testbed.log" 2>&1 || { cat "$work/testbed.log"; exit 1; }
for name in TestClusterAddressesAreRefusedLocally TestStartAndStop; do
  grep -q -- "--- PASS: $name " "$work/testbed.log" || { cat "$work/testbed.log"; echo "$LABEL: $name did not pass" >&2; exit 1; }
done
grep -E -- '^--- ' "$work/testbed.log"
# The simulator's claims about faas-netes CE, against the real one: the same raw requests.
"$BIN/conformance.test" -test.count=1 -test.v -test.run TestFaasNetesCEParity >"$work/parity.log" 2>&1 || { cat "$work/parity.log"; exit 1; }
grep -q -- "--- PASS: TestFaasNetesCEParity/real " "$work/parity.log" || { cat "$work/parity.log"; echo "$LABEL: the parity test did not run against the real gateway" >&2; exit 1; }
grep -E -- '--- ' "$work/parity.log"
echo "$LABEL: the OpenFaaS acceptance tests against the real faas-netes CE and gateway at $FAAS_TEST_OPENFAAS_URL (images on $FAAS_TESTBED_REGISTRY)"
start=$SECONDS
status=0
(cd internal/provider && "$BIN/provider.test" -test.count=1 -test.v -test.timeout 40m -test.skip Knative "$@") >"$work/test.log" 2>&1 || status=$?
CHECK_REQUIRED=0
[ $# -eq 0 ] && CHECK_REQUIRED=1
check_run "$work/test.log" "$status" $((SECONDS - start))
