#!/usr/bin/env bash
# The Knative part of the main job: builds the provider and the testbed, starts the REAL
# Knative Serving and Eventing (built from ../shared/upstream) on a real Kubernetes
# control plane inside a network namespace of its own (cmd/faas-testbed, TESTBED.md),
# and drives the real terraform binary through dev_overrides on examples/demo-knative
# with the same steps as the OpenFaaS demo: apply (function, scaling policy, cron
# trigger, topic trigger, route, each waited for until Knative reports it Ready), an
# empty second plan, drift made with kubectl behind Terraform's back that
# `plan -detailed-exitcode` reports (exit 2) and apply corrects, an import of a Service
# created outside Terraform, and destroy with a check that nothing is left. No
# `terraform init`, no network.
DEMO_LABEL="[knative] "
# shellcheck source=scripts/demo-lib.sh
source "$(dirname "$0")/demo-lib.sh"

if [ "${1:-}" != "--inside" ]; then
  step "Building the provider and the testbed (real Kubernetes, Knative Serving and Eventing; the first build takes 25-30 minutes)"
  build_all
  ./scripts/testbed-build.sh knative
  go build -o "$BIN/faas-testbed" ./cmd/faas-testbed
  step "Starting the testbed: Kubernetes with kwok nodes, then Knative Serving and Eventing, in a network namespace of its own"
  rm -rf "$WORK"
  exec "$BIN/faas-testbed" run -knative -start-timeout 9m -logs-on-failure -- "$ROOT/scripts/demo-knative.sh" --inside
fi

export KUBECONFIG=$FAAS_TEST_KUBECONFIG
echo "API server: $FAAS_TESTBED_SERVER, the real Knative Serving and Eventing on it (kubeconfig $KUBECONFIG)"
k() { kubectl --request-timeout 30s "$@"; }
count() { k get "$1" -n default -o name | wc -l | tr -d ' '; }

step "0. The cluster admin's part: the default Broker and a ClusterDomainClaim for the route's host"
k apply -f - <<'YAML'
apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default, namespace: default}
---
apiVersion: networking.internal.knative.dev/v1alpha1
kind: ClusterDomainClaim
metadata: {name: orders.acme.example}
spec: {namespace: default}
YAML
k wait --for=condition=Ready --timeout 3m broker/default -n default

use_dev_overrides
export KUBE_CONFIG_PATH=$KUBECONFIG
unset KUBE_CONFIG_PATHS KUBE_HOST KUBE_TOKEN KUBE_CTX OPENFAAS_URL 2>/dev/null || true
mkdir -p "$WORK/config"
cp "$ROOT"/examples/demo-knative/*.tf "$WORK/config/"
cd "$WORK/config"

step "1. terraform apply: a function, a scaling policy, a cron trigger (PingSource), a topic trigger (Trigger) and a route (DomainMapping), waiting until Knative reports each Ready"
terraform apply -auto-approve -no-color
[ "$(count pingsources.sources.knative.dev)" = 1 ] || fail "no PingSource"
[ "$(count triggers.eventing.knative.dev)" = 1 ] || fail "no Trigger"
[ "$(count domainmappings.serving.knative.dev)" = 1 ] || fail "no DomainMapping"
k get services.serving.knative.dev,pingsources.sources.knative.dev,triggers.eventing.knative.dev,domainmappings.serving.knative.dev -n default
for obj in services.serving.knative.dev/orders pingsources.sources.knative.dev/orders-cron triggers.eventing.knative.dev/orders-com-acme-order-created domainmappings.serving.knative.dev/orders.acme.example; do
  [ "$(k get "$obj" -n default -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ] || fail "$obj is not Ready after apply"
done
echo "the Service, the PingSource, the Trigger and the DomainMapping are all Ready"

step "2. terraform plan -detailed-exitcode: nothing changed, so exit 0"
set +e; terraform plan -detailed-exitcode -no-color; code=$?; set -e
[ "$code" -eq 0 ] || fail "the plan after apply was not empty (exit $code)"
echo "exit code $code: no changes"

step "3. Drift: someone changes a label of the Service and the PingSource's schedule behind Terraform's back (kubectl)"
k label services.serving.knative.dev/orders -n default --overwrite team=someone-else
k patch pingsources.sources.knative.dev/orders-cron -n default --type merge -p '{"spec":{"schedule":"* * * * *"}}'
set +e; terraform plan -detailed-exitcode -no-color; code=$?; set -e
[ "$code" -eq 2 ] || fail "terraform plan -detailed-exitcode did not report the drift (exit $code, want 2)"
echo "exit code $code: drift detected"

step "4. terraform apply: put the function and the trigger back as declared"
terraform apply -auto-approve -no-color
set +e; terraform plan -detailed-exitcode -no-color >/dev/null; code=$?; set -e
[ "$code" -eq 0 ] || fail "the plan after correcting drift was not empty (exit $code)"
echo "converged: plan exit code 0"

step "5. Import: a Knative Service created outside Terraform (kubectl) is adopted with an import block"
k apply -f - <<'YAML'
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: legacy, namespace: default, labels: {team: platform}}
spec:
  template:
    spec:
      containers: [{image: "ghcr.io/acme/legacy:3.1"}]
YAML
k wait --for=condition=Ready --timeout 3m services.serving.knative.dev/legacy -n default
cp "$ROOT"/examples/demo-knative/import/*.tf .
terraform apply -auto-approve -no-color
set +e; terraform plan -detailed-exitcode -no-color >/dev/null; code=$?; set -e
[ "$code" -eq 0 ] || fail "the plan after the import was not empty (exit $code)"
terraform state list

step "6. terraform destroy"
terraform destroy -auto-approve -no-color
for kind in services.serving.knative.dev pingsources.sources.knative.dev triggers.eventing.knative.dev domainmappings.serving.knative.dev; do
  n=$(count "$kind")
  [ "$n" = 0 ] || fail "$n $kind object(s) left on the cluster after destroy"
done
echo "the cluster holds no Services, PingSources, Triggers nor DomainMappings"

printf '\n\033[32mKnative demo finished on the real Knative: apply, empty plan, drift (exit 2), import and destroy all succeeded.\033[0m\n'
