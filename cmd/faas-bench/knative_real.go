package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/faasform/terraform-provider-faas/internal/faultproxy"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

// envKubeconfig names the kubeconfig of a real cluster with Knative Serving and Eventing:
// the testbed's (`faas-testbed run -knative` sets it; see TESTBED.md and
// scripts/bench-knative-real.sh).
const envKubeconfig = "FAAS_TEST_KUBECONFIG"

// startKnativeReal meters the provider against a real kube-apiserver with the real
// Knative Serving and Eventing (the testbed's): the provider talks HTTPS to the meter,
// whose handler is a fault proxy (internal/faultproxy) that re-originates every request
// to the API server with the kubeconfig's credentials. The proxy injects no fault except
// the persistent 503 of the failing plan; -latency and -ready-after-polls do not apply,
// since the latency and readiness are the real components' own.
func startKnativeReal(_ *options) (*benchPlatform, error) {
	kubeconfig := os.Getenv(envKubeconfig)
	if kubeconfig == "" {
		return nil, errors.New(envKubeconfig + " is not set: run inside `faas-testbed run -knative` (make bench runs scripts/bench-knative-real.sh)")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	opts, err := faultproxy.KubeBackend(cfg)
	if err != nil {
		return nil, err
	}
	opts.Answers = k8ssim.FaultAnswers()
	proxy, err := faultproxy.New(opts)
	if err != nil {
		return nil, err
	}
	m := newMeter(proxy, knativeWire{})
	url := proxy.Listen(m, true)
	p, err := knativePlatform("knative-real", "Knative (real)", url, proxy.CACertPEM())
	if err != nil {
		proxy.Close()
		return nil, err
	}
	p.describe = "real kube-apiserver with the real Knative Serving and Eventing (the testbed, TESTBED.md), behind a metering proxy"
	p.meter = m
	p.leftovers = func() int {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		left := 0
		for _, gvr := range []schema.GroupVersionResource{k8ssim.ServicesGVR, k8ssim.PingSourcesGVR} {
			l, err := dyn.Resource(gvr).Namespace("default").List(ctx, metav1.ListOptions{})
			if err != nil {
				fmt.Fprintf(os.Stderr, "faas-bench: counting leftover %s: %v\n", gvr.Resource, err)
				left++
				continue
			}
			left += len(l.Items)
		}
		return left
	}
	p.resetLog = proxy.ResetRequests
	p.unavailable = func(on bool) {
		if !on {
			proxy.ClearFaults()
			return
		}
		proxy.SetFaults(k8ssim.Faults{PersistentStatus: http.StatusServiceUnavailable, PersistentMessage: "etcdserver: leader changed"})
	}
	p.close = proxy.Close
	return p, nil
}
