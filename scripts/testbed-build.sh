#!/usr/bin/env bash
# Builds the testbed's binaries into bin/testbed (see TESTBED.md):
#   kube        kube-apiserver, kube-controller-manager and kube-scheduler v1.37.2 in one
#               binary (testbed/kube), so the packages they share link once
#   etcd        etcd v3.6.17 (testbed/etcd)
#   kwok        kwok v0.8.0 (testbed/kwok), and kwok-stages.yaml, its default stages
#   faas-netes  faas-netes and the OpenFaaS gateway from ../shared/upstream (vendored)
#   gateway
#   knative-controller, knative-webhook, knative-autoscaler
#               Knative Serving's controller, webhook and autoscaler from ../shared/upstream
#               (vendored), and knative-serving-core/, its config/core manifests
#   knative-eventing/
#               Knative Eventing's controller, webhook, PingSource adapter (mtping), in-memory
#               channel (channel_controller, channel_dispatcher) and multi-tenant channel-based
#               broker (mtchannel_broker, ingress, filter) from ../shared/upstream (vendored),
#               and config/, its core, in-memory-channel and mt-channel-broker manifests
# and installs Debian's prometheus package when it is missing (the gateway needs one).
# Each Go build is incremental: with a warm Go build cache nothing recompiles and the
# script takes seconds. A cold build compiles Kubernetes: 15-20 minutes on 2 cores.
#
# Arguments name the platforms to build besides the control plane: openfaas, knative;
# none means both (a cold Knative build adds about 25 minutes, so each test script asks
# only for its own platform).
# UPSTREAM_DIR (default ../shared/upstream) holds the upstream source archives.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/bin/testbed
upstream=${UPSTREAM_DIR:-$root/../shared/upstream}
mkdir -p "$out"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

want_openfaas=0 want_knative=0
[ $# -eq 0 ] && set -- openfaas knative
for platform in "$@"; do
  case $platform in
    openfaas) want_openfaas=1 ;;
    knative) want_knative=1 ;;
    *) echo "testbed-build: unknown platform $platform (openfaas, knative)" >&2; exit 2 ;;
  esac
done

step() { printf 'testbed-build [%4ds] %s\n' "$SECONDS" "$*"; }
fail() { echo "testbed-build: $*" >&2; exit 1; }

command -v go >/dev/null || fail "go is required"
# The Kubernetes, etcd and kwok modules come from the Go module proxy.
if ! (cd testbed/kube && go mod download k8s.io/kubernetes >/dev/null 2>&1); then
  fail "cannot download the Kubernetes modules: the Go module proxy ($(go env GOPROXY)) is needed for the first build"
fi

kube_version=v1.37.2
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$kube_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37 -X k8s.io/component-base/version.gitTreeState=clean"
step "kube-apiserver, kube-controller-manager, kube-scheduler $kube_version (a cold build takes about 17 minutes on 2 quiet cores)"
(cd testbed/kube && go build -tags selinux,notest,grpcnotrace -ldflags "$ldflags" -o "$out/kube" .)
step "etcd v3.6.17"
(cd testbed/etcd && go build -ldflags "-s -w" -o "$out/etcd" .)
step "kwok v0.8.0"
(cd testbed/kwok && go build -ldflags "-s -w" -o "$out/kwok" sigs.k8s.io/kwok/cmd/kwok)
kwok_dir=$(cd testbed/kwok && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
{
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    echo "---"; cat "$kwok_dir/kustomize/stage/$f"
  done
} >"$out/kwok-stages.yaml.tmp" && mv "$out/kwok-stages.yaml.tmp" "$out/kwok-stages.yaml"

# faas-netes and the gateway: unpacked once per archive version, built with their vendor/.
[ -d "$upstream" ] || fail "$upstream is missing: it holds the upstream OpenFaaS and Knative sources (set UPSTREAM_DIR)"
src=$root/bin/testbed-src
mkdir -p "$src"
unpack() { # archive -> directory under $src, redone when the archive changes
  local archive=$upstream/$1.tar.xz stamp=$src/$1.stamp sum
  [ -f "$archive" ] || fail "$archive is missing"
  sum=$(cksum <"$archive")
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    rm -rf "${src:?}/$1" && mkdir -p "$src/$1" && tar -xJf "$archive" -C "$src/$1" && echo "$sum" >"$stamp"
  fi
}
if [ $want_openfaas = 1 ]; then
  unpack openfaas-faas-netes
  unpack openfaas-faas-gateway
  step "faas-netes (from $upstream)"
  (cd "$src/openfaas-faas-netes/faas-netes" && GOFLAGS=-mod=vendor go build -ldflags "-s -w" -o "$out/faas-netes" .)
  step "OpenFaaS gateway"
  (cd "$src/openfaas-faas-gateway/faas/gateway" && GOFLAGS=-mod=vendor go build -ldflags "-s -w" -o "$out/gateway" .)
fi

if [ $want_knative = 1 ]; then
  unpack knative-serving
  kn=$src/knative-serving/knative-serving
  for c in controller webhook autoscaler; do
    step "Knative Serving $c (from $upstream; cold, a few minutes when the Kubernetes packages it shares are in the Go build cache, about 20 on 2 busy cores without them)"
    (cd "$kn" && GOFLAGS=-mod=vendor go build -ldflags "-s -w" -o "$out/knative-$c" "./cmd/$c")
  done
  rm -rf "$out/knative-serving-core" && cp -rL "$kn/config/core" "$out/knative-serving-core"

  unpack knative-eventing
  ke=$src/knative-eventing/knative-eventing
  step "Knative Eventing: controller, webhook, PingSource adapter, in-memory channel, multi-tenant channel-based broker (from $upstream; cold, about 6 minutes on 2 cores)"
  mkdir -p "$out/knative-eventing"
  (cd "$ke" && GOFLAGS=-mod=vendor go build -ldflags "-s -w" -o "$out/knative-eventing/" ./cmd/controller ./cmd/webhook ./cmd/mtping \
    ./cmd/in_memory/channel_controller ./cmd/in_memory/channel_dispatcher ./cmd/mtchannel_broker ./cmd/broker/ingress ./cmd/broker/filter)
  rm -rf "$out/knative-eventing/config" && mkdir -p "$out/knative-eventing/config" &&
    cp -rL "$ke/config/core" "$ke/config/channels/in-memory-channel" "$ke/config/brokers/mt-channel-broker" "$out/knative-eventing/config/"
fi

if [ $want_openfaas = 1 ] && ! command -v prometheus >/dev/null; then
  step "installing Debian's prometheus package (the gateway needs a Prometheus)"
  [ "$(id -u)" = 0 ] || fail "prometheus is missing: install Debian's prometheus package (needs root)"
  (apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1 ||
    { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >/dev/null; }) ||
    fail "installing prometheus with apt-get failed"
fi
step "done: $(ls "$out" | tr '\n' ' ')"
