#!/usr/bin/env bash
# The main job: builds the provider and the testbed (the first time: 15-20 minutes on 2
# cores, then seconds), starts the REAL OpenFaaS Community Edition (faas-netes and the
# gateway, built from ../shared/upstream) on a real Kubernetes control plane inside a
# network namespace of its own (cmd/faas-testbed, TESTBED.md), and drives the real
# terraform binary through dev_overrides on examples/demo: apply, an empty second plan,
# drift made behind Terraform's back through the gateway's API that
# `plan -detailed-exitcode` reports (exit 2), an import of a function deployed outside
# Terraform, and destroy. No `terraform init`, no network.
DEMO_LABEL=""
# shellcheck source=scripts/demo-lib.sh
source "$(dirname "$0")/demo-lib.sh"

if [ "${1:-}" != "--inside" ]; then
  step "Building the provider and the testbed (real Kubernetes, faas-netes, gateway; the first build takes 15-20 minutes)"
  build_all
  ./scripts/testbed-build.sh openfaas
  go build -o "$BIN/faas-testbed" ./cmd/faas-testbed
  step "Starting the testbed: Kubernetes $(sed -n 's/^const KubernetesVersion = "\(.*\)"/\1/p' internal/testbed/controlplane.go) with kwok nodes, then OpenFaaS CE, in a network namespace of its own"
  rm -rf "$WORK"
  exec "$BIN/faas-testbed" run -openfaas -logs-on-failure -- "$ROOT/scripts/demo.sh" --inside
fi

GATEWAY=$FAAS_TEST_OPENFAAS_URL
echo "gateway: $GATEWAY (the real OpenFaaS gateway in front of the real faas-netes CE); images on $FAAS_TESTBED_REGISTRY"
export OPENFAAS_URL=$GATEWAY OPENFAAS_USERNAME=$FAAS_TEST_OPENFAAS_USERNAME OPENFAAS_PASSWORD=$FAAS_TEST_OPENFAAS_PASSWORD
export TF_VAR_registry=$FAAS_TESTBED_REGISTRY
AUTH=(-u "$OPENFAAS_USERNAME:$OPENFAAS_PASSWORD")
use_dev_overrides
export TF_VAR_db_password="demo-db-$RANDOM$RANDOM"
mkdir -p "$WORK/config"
cp "$ROOT"/examples/demo/*.tf "$WORK/config/"
cd "$WORK/config"

# gateway_until EXPR: polls the gateway's function list until jq EXPR is true (the
# gateway reads from faas-netes' informer cache, which lags writes by a moment).
gateway_until() {
  for _ in $(seq 1 100); do
    curl -fsS "${AUTH[@]}" "$GATEWAY/system/functions?namespace=openfaas-fn" | jq -e "$1" >/dev/null && return 0
    sleep 0.2
  done
  return 1
}

step "1. terraform apply: a secret, three functions, a scaling policy and a cron trigger, waiting until ready"
terraform apply -auto-approve -no-color
grep -q "$TF_VAR_db_password" terraform.tfstate && fail "the secret value reached the state"
echo "the secret value is not in the state"

step "2. terraform plan -detailed-exitcode: nothing changed, so exit 0"
set +e; terraform plan -detailed-exitcode -no-color; code=$?; set -e
[ "$code" -eq 0 ] || fail "the plan after apply was not empty (exit $code)"
echo "exit code $code: no changes"

step "3. Drift: someone redeploys orders through the gateway's API with another image and label"
# As faas-cli would: a PUT of the whole function, here keeping everything else as it is.
orders=$(curl -fsS "${AUTH[@]}" "$GATEWAY/system/function/orders?namespace=openfaas-fn")
hotfix="$FAAS_TESTBED_REGISTRY/acme/orders:9.9.9-hotfix"
body=$(jq --arg image "$hotfix" '{service: .name, namespace: .namespace, image: $image, envProcess: .envProcess,
  labels: (.labels + {tier: "best-effort"}), annotations: .annotations, limits: .limits, requests: .requests,
  secrets: .secrets, envVars: {LOG_LEVEL: "info", DB_HOST: "postgres.orders.svc"}}' <<<"$orders")
# faas-netes answers 202 when it applied an update, and 200 with an empty body when it
# did not (a conflict with the Deployment controller): repeat until it applied it.
for _ in 1 2 3 4 5; do
  code=$(curl -sS -o /dev/null -w '%{http_code}' "${AUTH[@]}" -X PUT "$GATEWAY/system/functions" -d "$body")
  [ "$code" = 202 ] && break
done
[ "$code" = 202 ] || fail "the gateway did not apply the out-of-band update (HTTP $code)"
gateway_until ".[] | select(.name == \"orders\") | .image == \"$hotfix\"" || fail "the out-of-band update did not show"
set +e; terraform plan -detailed-exitcode -no-color; code=$?; set -e
[ "$code" -eq 2 ] || fail "terraform plan -detailed-exitcode did not report the drift (exit $code, want 2)"
echo "exit code $code: drift detected"

step "4. terraform apply: put the function back as declared"
terraform apply -auto-approve -no-color
set +e; terraform plan -detailed-exitcode -no-color >/dev/null; code=$?; set -e
[ "$code" -eq 0 ] || fail "the plan after correcting drift was not empty (exit $code)"
echo "converged: plan exit code 0"

step "5. Import: a function deployed outside Terraform (through the gateway's API) is adopted with an import block"
curl -fsS "${AUTH[@]}" -X POST "$GATEWAY/system/functions" \
  -d "{\"service\":\"legacy\",\"namespace\":\"openfaas-fn\",\"image\":\"$FAAS_TESTBED_REGISTRY/acme/legacy:3.1\",\"envProcess\":\"node server.js\",\"labels\":{\"team\":\"platform\"}}" >/dev/null
gateway_until '.[] | select(.name == "legacy") | .availableReplicas >= 1' || fail "the function deployed outside Terraform did not become ready"
cp "$ROOT"/examples/demo/import/*.tf .
terraform apply -auto-approve -no-color
set +e; terraform plan -detailed-exitcode -no-color >/dev/null; code=$?; set -e
[ "$code" -eq 0 ] || fail "the plan after the import was not empty (exit $code)"
terraform state list

step "6. terraform destroy"
terraform destroy -auto-approve -no-color
gateway_until 'length == 0' || fail "functions left on the platform after destroy: $(curl -fsS "${AUTH[@]}" "$GATEWAY/system/functions")"
left=$(curl -fsS "${AUTH[@]}" "$GATEWAY/system/secrets?namespace=openfaas-fn")
[ "$left" = "[]" ] || fail "secrets left on the platform after destroy: $left"
echo "the platform holds no functions and no secrets"

printf '\n\033[32mDemo finished: apply, empty plan, drift (exit 2), import and destroy all succeeded.\033[0m\n'
