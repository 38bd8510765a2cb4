#!/usr/bin/env bash
# Runs the OpenFaaS acceptance tests in real-gateway mode (FAAS_TEST_OPENFAAS_URL set)
# against the in-repo simulator started as its own process (bin/faas-simulator), so that
# the code path used against a real gateway (openfaastest over HTTP, names with a run
# prefix, clean-up by prefix, credentials from the environment) is exercised over the
# wire on every make test. The simulator is faas-netes Pro with basic auth, a function
# namespace that is not openfaas-fn, a second namespace, readiness after one poll, a
# foreground deletion that lasts one poll, and reads that lag 50 ms behind writes (as
# faas-netes' informer cache does; SIM_STALE_READS changes it); it is stopped on exit.
#
# The run fails when a test fails, when a test listed in REQUIRED below did not pass
# (it skipped, or did not run at all), when the gateway's password appears anywhere in
# the test output, or when the tests left a function or secret behind.
#
# SIM_BACKEND and SIM_EDITION (faas-netes|faasd, ce|pro) run the same against another
# simulated gateway; REQUIRED is then not checked, since it lists what must run on
# faas-netes Pro. Extra arguments go to go test (for example -run TestAccFunction_).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/bin
backend=${SIM_BACKEND:-faas-netes}
edition=${SIM_EDITION:-pro}
namespace=tfacc-functions
extra_namespace=tfacc-team

# Every OpenFaaS acceptance test that must pass against a faas-netes Pro gateway: the
# standard lifecycles, imports, drift, out-of-band deletes, plan-time errors and data
# sources, and the fault suite (its faults come from a proxy in front of the gateway).
# Tests that need the simulator, or another backend or edition, skip.
REQUIRED=(
  TestAccOpenFaaS_platform
  TestAccProvider_configErrors
  TestAccProvider_envFallback
  TestAccProvider_wrongCredentials
  TestAccFunction_lifecycle/faas-netes
  TestAccFunction_emptyCollections
  TestAccFunction_quantitiesCompareByValue
  TestAccFunction_existingIsNotTakenOver
  TestAccFunction_importOutOfBand
  TestAccFunction_watchdogTimeouts/faas-netes
  TestAccFunction_openfaasStoreCatalogue/Pro
  TestAccFunction_planTimeErrors/invalid_name
  TestAccFunction_planTimeErrors/name_too_long
  TestAccFunction_planTimeErrors/empty_image
  TestAccFunction_planTimeErrors/bad_quantity
  TestAccFunction_planTimeErrors/bad_duration
  TestAccFunction_planTimeErrors/max_concurrency_zero
  TestAccFunction_planTimeErrors/reserved_env
  TestAccFunction_planTimeErrors/reserved_label
  TestAccFunction_planTimeErrors/reserved_annotation
  TestAccFunction_planTimeErrors/whitespace_in_command
  TestAccFunction_planTimeErrors/null_env_value
  TestAccFunction_planTimeErrors/edition_forced_to_ce
  TestAccFunction_proFeatures
  TestAccScalingPolicy_lifecycle
  TestAccScalingPolicy_proSettings
  TestAccTrigger_lifecycle
  TestAccTrigger_severalOnOneFunction
  TestAccTrigger_timeZone
  TestAccChildren_functionReplacedReappliesChildren
  TestAccChildren_planTimeErrors/min_greater_than_max
  TestAccChildren_planTimeErrors/negative_min
  TestAccChildren_planTimeErrors/bad_zero_duration
  TestAccChildren_planTimeErrors/zero_duration_without_zero
  TestAccChildren_planTimeErrors/pro_memory_metric
  TestAccChildren_planTimeErrors/bad_function_id
  TestAccChildren_planTimeErrors/cron_with_seconds
  TestAccChildren_planTimeErrors/cron_weekday_7
  TestAccChildren_planTimeErrors/cron_semicolon_list
  TestAccChildren_planTimeErrors/cron_time_zone_prefix
  TestAccChildren_planTimeErrors/cron_TZ_prefix
  TestAccChildren_planTimeErrors/cron_bad_time_zone
  TestAccChildren_planTimeErrors/cron_payload
  TestAccChildren_planTimeErrors/cron_without_schedule
  TestAccChildren_planTimeErrors/topic_with_schedule
  TestAccChildren_planTimeErrors/topic_with_comma
  TestAccChildren_planTimeErrors/reserved_topic
  TestAccChildren_planTimeErrors/bad_cron_on_a_new_function
  TestAccChildren_planTimeErrors/route_on_openfaas
  TestAccChildren_planTimeErrors/route_host_not_fqdn
  TestAccChildren_planTimeErrors/route_bad_method
  TestAccChildren_planTimeErrors/bad_trigger_type
  TestAccChildren_existingPolicyRefused
  TestAccChildren_parallelWritesNeverLoseKeys/run00/ce_settings
  TestAccChildren_parallelWritesNeverLoseKeys/run00/pro_settings
  TestAccReliability_unknownValuesAtPlan/ce_settings
  TestAccReliability_unknownValuesAtPlan/pro_settings
  TestAccDataSources
  TestAccDataSources_missingFunction
  TestAccSecret_lifecycle
  TestAccSecret_errors
  TestAccSecret_invalidName
  TestAccRefresh_outOfBandChangesBetweenPlansAreSeen
  TestAccRefresh_readsAfterWritesInOneRunSeeThem
  TestAccReliability_unknownValuesAtPlan
  TestAccReliability_faults/429_with_Retry-After_on_a_third_of_requests
  TestAccReliability_faults/bursts_of_503
  TestAccReliability_faults/dropped_connections
  TestAccReliability_faults/lost_responses
  TestAccReliability_faults/latency_spikes
  TestAccReliability_faults/updates_answered_200_without_being_applied
  TestAccReliability_persistent500
  TestAccReliability_ignoredUpdates
  TestAccReliability_backToBackWrites
  TestAccReliability_providerKilledMidApply
  TestAccReliability_secretsNeverLeak
  TestAccFunction_lostCreateResponseIsAdopted
  TestAccImportGenerateConfig
)

work=$(mktemp -d)
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$BIN"
go build -o "$BIN/faas-simulator" ./cmd/faas-simulator
go build -o "$BIN/faas-testclean" ./cmd/faas-testclean

password="pw-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
# The Community Edition has one function namespace.
[ "$edition" = pro ] || extra_namespace=""
FAAS_SIMULATOR_PASSWORD=$password "$BIN/faas-simulator" -platform openfaas -listen 127.0.0.1:0 \
  -backend "$backend" -edition "$edition" -username admin -namespace "$namespace" \
  -extra-namespaces "$extra_namespace" -ready-after-polls 1 -delete-after-polls 1 -stale-reads "${SIM_STALE_READS:-50ms}" \
  -url-file "$work/url" 2>"$work/simulator.log" &
sim_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/url" ] && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$work/simulator.log" >&2; echo "the simulator exited" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/url" ] || { echo "the simulator did not start" >&2; exit 1; }

export FAAS_TEST_OPENFAAS_URL
FAAS_TEST_OPENFAAS_URL=$(cat "$work/url")
export FAAS_TEST_OPENFAAS_USERNAME=admin FAAS_TEST_OPENFAAS_PASSWORD=$password
export FAAS_TEST_OPENFAAS_NAMESPACE=$namespace FAAS_TEST_OPENFAAS_EXTRA_NAMESPACE=$extra_namespace
# shellcheck source=scripts/testacc-lib.sh
source scripts/testacc-lib.sh
LABEL=testacc-openfaas-sim
acc_env

echo "OpenFaaS acceptance tests in real-gateway mode against a simulated $backend $edition gateway at $FAAS_TEST_OPENFAAS_URL"
start=$SECONDS
status=0
go test -count=1 -v -timeout 20m -skip 'Knative' "$@" ./internal/provider >"$work/test.log" 2>&1 || status=$?
simulator_log() { echo "--- simulator log (last 40 lines)"; tail -n 40 "$work/simulator.log"; }
ON_FAILURE=simulator_log
CHECK_REQUIRED=0
[ "$backend" = faas-netes ] && [ "$edition" = pro ] && [ $# -eq 0 ] && CHECK_REQUIRED=1
check_run "$work/test.log" "$status" $((SECONDS - start))
