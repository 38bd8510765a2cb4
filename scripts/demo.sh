#!/usr/bin/env bash
# The main job: builds the provider and the OpenFaaS simulator, starts the simulator on
# 127.0.0.1, and drives the real terraform binary through dev_overrides on
# examples/demo: apply, an empty second plan, drift made behind Terraform's back that
# `plan -detailed-exitcode` reports (exit 2), an import of a function created outside
# Terraform, and destroy. No `terraform init`, no network.
DEMO_LABEL=""
# shellcheck source=scripts/demo-lib.sh
source "$(dirname "$0")/demo-lib.sh"

step "Building the provider and the OpenFaaS simulator"
build_all

step "Starting the OpenFaaS simulator (faas-netes, Community Edition) on 127.0.0.1"
export FAAS_SIMULATOR_PASSWORD="demo-$RANDOM-$RANDOM"
"$BIN/faas-simulator" -platform openfaas -listen 127.0.0.1:0 -backend faas-netes -edition ce \
  -username admin -ready-after-polls 2 -url-file "$WORK/url" 2>"$WORK/simulator.log" &
SIM_PID=$!
for _ in $(seq 1 100); do [ -s "$WORK/url" ] && break; sleep 0.1; done
[ -s "$WORK/url" ] || fail "the simulator did not start; see its log: $(cat "$WORK/simulator.log")"
GATEWAY=$(cat "$WORK/url")
echo "gateway: $GATEWAY"

export OPENFAAS_URL=$GATEWAY OPENFAAS_USERNAME=admin OPENFAAS_PASSWORD=$FAAS_SIMULATOR_PASSWORD
use_dev_overrides
export TF_VAR_db_password="demo-db-$RANDOM$RANDOM"
mkdir -p "$WORK/config"
cp "$ROOT"/examples/demo/*.tf "$WORK/config/"
cd "$WORK/config"

step "1. terraform apply: a secret, three functions, a scaling policy and a cron trigger, waiting until ready"
terraform apply -auto-approve -no-color
grep -q "$TF_VAR_db_password" terraform.tfstate && fail "the secret value reached the state"
echo "the secret value is not in the state"

step "2. terraform plan -detailed-exitcode: nothing changed, so exit 0"
set +e; terraform plan -detailed-exitcode -no-color; code=$?; set -e
[ "$code" -eq 0 ] || fail "the plan after apply was not empty (exit $code)"
echo "exit code $code: no changes"

step "3. Drift: someone changes the orders image and a label with the gateway behind Terraform's back"
curl -fsS -X PATCH "$GATEWAY/_sim/function/openfaas-fn/orders" \
  -d '{"image":"ghcr.io/acme/orders:9.9.9-hotfix","labels":{"tier":"best-effort"}}' >/dev/null
set +e; terraform plan -detailed-exitcode -no-color; code=$?; set -e
[ "$code" -eq 2 ] || fail "terraform plan -detailed-exitcode did not report the drift (exit $code, want 2)"
echo "exit code $code: drift detected"

step "4. terraform apply: put the function back as declared"
terraform apply -auto-approve -no-color
set +e; terraform plan -detailed-exitcode -no-color >/dev/null; code=$?; set -e
[ "$code" -eq 0 ] || fail "the plan after correcting drift was not empty (exit $code)"
echo "converged: plan exit code 0"

step "5. Import: a function deployed outside Terraform is adopted with an import block"
curl -fsS -X POST "$GATEWAY/_sim/functions" \
  -d '{"service":"legacy","namespace":"openfaas-fn","image":"ghcr.io/acme/legacy:3.1","envProcess":"node server.js","labels":{"team":"platform"}}' >/dev/null
cp "$ROOT"/examples/demo/import/*.tf .
terraform apply -auto-approve -no-color
set +e; terraform plan -detailed-exitcode -no-color >/dev/null; code=$?; set -e
[ "$code" -eq 0 ] || fail "the plan after the import was not empty (exit $code)"
terraform state list

step "6. terraform destroy"
terraform destroy -auto-approve -no-color
left=$(curl -fsS -u "admin:$FAAS_SIMULATOR_PASSWORD" "$GATEWAY/system/functions?namespace=openfaas-fn")
[ "$left" = "[]" ] || fail "functions left on the platform after destroy: $left"
left=$(curl -fsS -u "admin:$FAAS_SIMULATOR_PASSWORD" "$GATEWAY/system/secrets?namespace=openfaas-fn")
[ "$left" = "[]" ] || fail "secrets left on the platform after destroy: $left"
echo "the platform holds no functions and no secrets"

printf '\n\033[32mDemo finished: apply, empty plan, drift (exit 2), import and destroy all succeeded.\033[0m\n'
