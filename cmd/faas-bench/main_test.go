package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// TestMeterCountsReadinessReads: reads between a write and the first answer in the
// awaited state are readiness reads; other reads are not.
func TestMeterCountsReadinessReads(t *testing.T) {
	sim := openfaassim.New(openfaassim.Options{Edition: openfaassim.Pro, ReadyAfterPolls: 1})
	m := newMeter(sim, openfaasWire{defaultNS: "openfaas-fn"})
	ts := httptest.NewServer(m)
	defer ts.Close()
	do := func(method, path, body string) int {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, bytes.NewBufferString(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	fn := `{"service":"f","image":"img:1","namespace":"openfaas-fn"}`
	do(http.MethodPost, "/system/functions", fn)
	do(http.MethodGet, "/system/function/f?namespace=openfaas-fn", "") // not ready: readiness read
	do(http.MethodGet, "/system/function/f?namespace=openfaas-fn", "") // ready: readiness read
	do(http.MethodGet, "/system/function/f?namespace=openfaas-fn", "") // an ordinary read
	do(http.MethodGet, "/system/functions?namespace=openfaas-fn", "")
	do(http.MethodDelete, "/system/functions?namespace=openfaas-fn", `{"functionName":"f"}`)
	if code := do(http.MethodGet, "/system/function/f?namespace=openfaas-fn", ""); code != http.StatusNotFound { // gone: readiness read
		t.Fatalf("status %d", code)
	}
	c := m.take()
	if c.Total != 7 || c.ReadinessReads != 3 || c.Routes["GET /system/function/{name}"] != 4 || c.Routes["GET /system/functions"] != 1 {
		t.Fatalf("counts %+v", c)
	}
	if again := m.take(); again.Total != 0 {
		t.Fatalf("take must start again from zero: %+v", again)
	}
}

// TestKnativeMeterCountsReadinessReads: the same rule on the Kubernetes API: reads of an
// object between its write and the first Ready answer for the current generation.
func TestKnativeMeterCountsReadinessReads(t *testing.T) {
	sim := k8ssim.New(k8ssim.Options{ReadyAfterPolls: 1, Logf: t.Logf})
	m := newMeter(sim, knativeWire{})
	ts := httptest.NewServer(m)
	defer ts.Close()
	do := func(method, path, body string) int {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, bytes.NewBufferString(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	const services = "/apis/serving.knative.dev/v1/namespaces/default/services"
	svc := `{"apiVersion":"serving.knative.dev/v1","kind":"Service","metadata":{"name":"f","namespace":"default"},` +
		`"spec":{"template":{"spec":{"containers":[{"image":"img:1"}]}}}}`
	if code := do(http.MethodPost, services, svc); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	do(http.MethodGet, services+"/f", "") // not ready: readiness read
	do(http.MethodGet, services+"/f", "") // ready: readiness read
	do(http.MethodGet, services+"/f", "") // an ordinary read
	do(http.MethodGet, services, "")
	do(http.MethodDelete, services+"/f", "")
	if code := do(http.MethodGet, services+"/f", ""); code != http.StatusNotFound { // gone: readiness read
		t.Fatalf("status %d", code)
	}
	c := m.take()
	one := "GET /apis/serving.knative.dev/v1/namespaces/{ns}/services/{name}"
	if c.Total != 7 || c.ReadinessReads != 3 || c.Routes[one] != 4 || c.Routes["GET /apis/serving.knative.dev/v1/namespaces/{ns}/services"] != 1 {
		t.Fatalf("counts %+v", c)
	}
}

func TestReportFlagsMissedTargets(t *testing.T) {
	r := &results{Started: time.Now(), Sizes: []int{500}, Parallelism: 10, CPUs: 2}
	add := func(cfg, step string, wall float64, reqs, polls int, rss int64) {
		platform := ""
		if cfg == "faas" {
			platform = "openfaas"
		}
		r.Steps = append(r.Steps, stepResult{Config: cfg, Platform: platform, N: 500, Resources: 1500, Step: step, WallSeconds: wall,
			ProviderMaxRSSKiB: rss, Requests: counts{Total: reqs, ReadinessReads: polls, Routes: map[string]int{"GET /system/functions": reqs}}})
	}
	add("floor", "create", 10, 0, 0, 0)
	add("faas", "create", 12, 4000, 1500, 100<<10)
	add("floor", "no-op plan", 4, 0, 0, 0)
	add("faas", "no-op plan", 6, 2, 0, 250<<10)
	r.evaluate()
	met := map[string]bool{}
	for _, tg := range r.Targets {
		met[tg.Name] = tg.Met
	}
	want := map[string]bool{"no-op plan time": false, "no-op plan requests": true, "apply requests": true, "provider peak RSS": false}
	for k, v := range want {
		if met[k] != v {
			t.Errorf("%s: met %v, want %v (%+v)", k, met[k], v, r.Targets)
		}
	}
	md := r.markdown()
	for _, s := range []string{"| 500 (1500) | no-op plan | 6.00 | 4.00 | **1.50** |", "Where it goes (openfaas, no-op plan time)", "Where it goes (openfaas, provider peak RSS)", "## openfaas: time and memory"} {
		if !strings.Contains(md, s) {
			t.Errorf("report lacks %q:\n%s", s, md)
		}
	}
}

func TestParseOptions(t *testing.T) {
	o, err := parseOptions([]string{"-n", "10, 100 500", "-latency", "5ms", "-terraform", "/bin/true"}, &bytes.Buffer{})
	if err != nil || len(o.sizes) != 3 || o.sizes[2] != 500 || o.latency != 5*time.Millisecond {
		t.Fatalf("%+v %v", o, err)
	}
	if len(o.platforms) != 2 || o.platforms[0] != "openfaas" || o.platforms[1] != "knative" {
		t.Fatalf("default platforms %v", o.platforms)
	}
	if o, err := parseOptions([]string{"-platforms", "knative,knative", "-terraform", "/bin/true"}, &bytes.Buffer{}); err != nil || len(o.platforms) != 1 {
		t.Fatalf("%+v %v", o, err)
	}
	for _, bad := range [][]string{{"-n", "x"}, {"-n", ""}, {"-platforms", "nuclio"}, {"-platforms", ""}} {
		if _, err := parseOptions(append(bad, "-terraform", "/bin/true"), &bytes.Buffer{}); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
}
