#!/usr/bin/env bash
# The Knative part of the main job: builds the provider and the simulator, starts the
# Knative simulator (a Kubernetes API server with Knative Serving and Eventing, over
# HTTPS with a self-signed CA) on 127.0.0.1, and drives the real terraform binary
# through dev_overrides on examples/demo-knative with the same steps as the OpenFaaS
# demo: apply (function, scaling policy, cron trigger, topic trigger, route), an empty
# second plan, drift made behind Terraform's back that `plan -detailed-exitcode`
# reports (exit 2) and apply corrects, an import of a Service created outside
# Terraform, and destroy with a check that nothing is left. No `terraform init`, no
# network.
DEMO_LABEL="[knative] "
# shellcheck source=scripts/demo-lib.sh
source "$(dirname "$0")/demo-lib.sh"


step "Building the provider and the simulator"
build_all

step "Starting the Knative simulator (Kubernetes API with Knative Serving and Eventing) on 127.0.0.1"
export FAAS_SIMULATOR_TOKEN="demo-$RANDOM-$RANDOM-$RANDOM"
"$BIN/faas-simulator" -platform knative -listen 127.0.0.1:0 -ready-after-polls 2 \
  -url-file "$WORK/url" -kubeconfig-out "$WORK/kubeconfig" 2>"$WORK/simulator.log" &
SIM_PID=$!
for _ in $(seq 1 100); do [ -s "$WORK/url" ] && [ -s "$WORK/kubeconfig" ] && break; sleep 0.1; done
[ -s "$WORK/kubeconfig" ] || fail "the simulator did not start; see its log: $(cat "$WORK/simulator.log")"
API=$(cat "$WORK/url")
echo "API server: $API (kubeconfig $WORK/kubeconfig)"
# The CA certificate from the kubeconfig, for curl.
sed -n 's/^ *certificate-authority-data: *//p' "$WORK/kubeconfig" | base64 -d >"$WORK/ca.pem"
[ -s "$WORK/ca.pem" ] || fail "no CA certificate in the kubeconfig"

# kapi METHOD PATH [JSON]: a request to the Kubernetes API, as kubectl would send it.
kapi() {
  local method=$1 path=$2
  shift 2
  curl -fsS --cacert "$WORK/ca.pem" -H "Authorization: Bearer $FAAS_SIMULATOR_TOKEN" \
    -H 'Content-Type: application/json' -X "$method" "$API$path" "$@"
}
# sim PATCH|GET|DELETE OBJECT-PATH [JSON]: the simulator's admin API (out-of-band changes).
sim() {
  local method=$1 path=$2
  shift 2
  curl -fsS --cacert "$WORK/ca.pem" -H 'Content-Type: application/merge-patch+json' -X "$method" "$API/_sim/objects/$path" "$@"
}
count() { kapi GET "$1" | { grep -o '"kind":"'"$2"'"' || true; } | wc -l | tr -d ' '; }

step "0. The cluster admin's part: the default Broker and a ClusterDomainClaim for the route's host"
kapi POST /apis/eventing.knative.dev/v1/namespaces/default/brokers \
  -d '{"apiVersion":"eventing.knative.dev/v1","kind":"Broker","metadata":{"name":"default","namespace":"default"}}' >/dev/null
kapi POST /apis/networking.internal.knative.dev/v1alpha1/clusterdomainclaims \
  -d '{"apiVersion":"networking.internal.knative.dev/v1alpha1","kind":"ClusterDomainClaim","metadata":{"name":"orders.acme.example"},"spec":{"namespace":"default"}}' >/dev/null
echo "Broker default/default and ClusterDomainClaim orders.acme.example created"

use_dev_overrides
export KUBE_CONFIG_PATH=$WORK/kubeconfig
unset KUBE_CONFIG_PATHS KUBE_HOST KUBE_TOKEN KUBE_CTX OPENFAAS_URL 2>/dev/null || true
mkdir -p "$WORK/config"
cp "$ROOT"/examples/demo-knative/*.tf "$WORK/config/"
cd "$WORK/config"

step "1. terraform apply: a function, a scaling policy, a cron trigger (PingSource), a topic trigger (Trigger) and a route (DomainMapping), waiting until ready"
terraform apply -auto-approve -no-color
[ "$(count /apis/sources.knative.dev/v1/namespaces/default/pingsources PingSource)" = 1 ] || fail "no PingSource"
[ "$(count /apis/eventing.knative.dev/v1/namespaces/default/triggers Trigger)" = 1 ] || fail "no Trigger"
[ "$(count /apis/serving.knative.dev/v1beta1/namespaces/default/domainmappings DomainMapping)" = 1 ] || fail "no DomainMapping"
echo "the cluster holds the Service, the PingSource, the Trigger and the DomainMapping"

step "2. terraform plan -detailed-exitcode: nothing changed, so exit 0"
set +e; terraform plan -detailed-exitcode -no-color; code=$?; set -e
[ "$code" -eq 0 ] || fail "the plan after apply was not empty (exit $code)"
echo "exit code $code: no changes"

step "3. Drift: someone changes a label of the Service and the PingSource's schedule behind Terraform's back (the simulator's admin API, as kubectl edit would)"
sim PATCH serving.knative.dev/v1/services/default/orders -d '{"metadata":{"labels":{"team":"someone-else"}}}' >/dev/null
sim PATCH sources.knative.dev/v1/pingsources/default/orders-cron -d '{"spec":{"schedule":"* * * * *"}}' >/dev/null
set +e; terraform plan -detailed-exitcode -no-color; code=$?; set -e
[ "$code" -eq 2 ] || fail "terraform plan -detailed-exitcode did not report the drift (exit $code, want 2)"
echo "exit code $code: drift detected"

step "4. terraform apply: put the function and the trigger back as declared"
terraform apply -auto-approve -no-color
set +e; terraform plan -detailed-exitcode -no-color >/dev/null; code=$?; set -e
[ "$code" -eq 0 ] || fail "the plan after correcting drift was not empty (exit $code)"
echo "converged: plan exit code 0"

step "5. Import: a Knative Service created outside Terraform is adopted with an import block"
kapi POST /apis/serving.knative.dev/v1/namespaces/default/services -d '{
  "apiVersion": "serving.knative.dev/v1", "kind": "Service",
  "metadata": {"name": "legacy", "namespace": "default", "labels": {"team": "platform"}},
  "spec": {"template": {"spec": {"containers": [{"image": "ghcr.io/acme/legacy:3.1"}]}}}}' >/dev/null
cp "$ROOT"/examples/demo-knative/import/*.tf .
terraform apply -auto-approve -no-color
set +e; terraform plan -detailed-exitcode -no-color >/dev/null; code=$?; set -e
[ "$code" -eq 0 ] || fail "the plan after the import was not empty (exit $code)"
terraform state list

step "6. terraform destroy"
terraform destroy -auto-approve -no-color
for pair in serving.knative.dev/v1/services:Service sources.knative.dev/v1/pingsources:PingSource \
  eventing.knative.dev/v1/triggers:Trigger serving.knative.dev/v1beta1/domainmappings:DomainMapping; do
  gv_res=${pair%%:*} kind=${pair##*:}
  n=$(count "/apis/${gv_res%/*}/namespaces/default/${gv_res##*/}" "$kind")
  [ "$n" = 0 ] || fail "$n $kind object(s) left on the cluster after destroy"
done
echo "the cluster holds no Services, PingSources, Triggers nor DomainMappings"

printf '\n\033[32mKnative demo finished: apply, empty plan, drift (exit 2), import and destroy all succeeded.\033[0m\n'
