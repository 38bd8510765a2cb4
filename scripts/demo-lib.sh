# Shared by scripts/demo.sh and scripts/demo-knative.sh (sourced, not run): the work
# directory and its clean-up, step and failure printing, building the provider and the
# simulator, and the dev_overrides CLI configuration. Callers set DEMO_LABEL first
# ("" or "[knative] ") and SIM_PID once their simulator runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BIN=$ROOT/bin
WORK=$(mktemp -d)
SIM_PID=""

cleanup() {
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '\n\033[1m==> %s%s\033[0m\n' "${DEMO_LABEL:-}" "$*"; }
fail() { printf '\n\033[31m%sDEMO FAILED: %s\033[0m\n' "${DEMO_LABEL:-}" "$*" >&2; exit 1; }

# build_all builds the provider (unless make already did) and the simulator.
build_all() {
  command -v terraform >/dev/null || fail "terraform is not on PATH"
  mkdir -p "$BIN"
  [ -x "$BIN/terraform-provider-faas" ] || go build -o "$BIN/terraform-provider-faas" .
  go build -o "$BIN/faas-simulator" ./cmd/faas-simulator
}

# use_dev_overrides points terraform at the provider in $BIN, without terraform init.
use_dev_overrides() {
  cat >"$WORK/dev.tfrc" <<TFRC
provider_installation {
  dev_overrides {
    "registry.terraform.io/faasform/faas" = "$BIN"
  }
  direct {}
}
TFRC
  export TF_CLI_CONFIG_FILE=$WORK/dev.tfrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
}
