package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

var (
	brokerGVR     = schema.GroupVersionResource{Group: "eventing.knative.dev", Version: "v1", Resource: "brokers"}
	triggerGVR    = schema.GroupVersionResource{Group: "eventing.knative.dev", Version: "v1", Resource: "triggers"}
	pingSourceGVR = schema.GroupVersionResource{Group: "sources.knative.dev", Version: "v1", Resource: "pingsources"}
)

// TestKnativeEventingParity is TestKnativeServingParity for the Eventing objects the
// driver writes (PingSource, Trigger) and the Broker a Trigger needs: one sequence of
// requests to k8ssim and, with FAAS_TEST_KUBECONFIG, to the testbed's real Knative
// Eventing; the facts must agree except those in knownEventingDifferences.
func TestKnativeEventingParity(t *testing.T) {
	compareParity(t, "Eventing", eventingFacts, knownEventingDifferences)
}

// knownEventingDifferences are the facts where k8ssim differs from the real Eventing,
// and why that does not matter to the driver.
var knownEventingDifferences = map[string]string{
	// k8ssim models no OIDC and no dead-letter sink; the driver reads only Ready and the
	// condition that is not True.
	"pingsource ready: conditions": "no OIDCIdentityCreated condition in k8ssim (the driver reads Ready)",
	"trigger ready: conditions":    "no OIDCIdentityCreated nor DeadLetterSinkResolved in k8ssim (the driver reads Ready)",
	"broker ready: conditions":     "no DeadLetterSinkResolved nor EventPoliciesReady in k8ssim (the driver reads a Broker only to check it exists)",
}

// eventingFacts runs the sequence against one API server and returns what it saw.
func eventingFacts(t *testing.T, cfg *rest.Config) map[string]string {
	t.Helper()
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	f := map[string]string{}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	create := func(gvr schema.GroupVersionResource, obj map[string]any) (*unstructured.Unstructured, error) {
		u, err := dyn.Resource(gvr).Namespace("default").Create(ctx, &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{})
		if err == nil {
			name := u.GetName()
			t.Cleanup(func() {
				_ = dyn.Resource(gvr).Namespace("default").Delete(context.Background(), name, metav1.DeleteOptions{})
			})
		}
		return u, err
	}
	injected := func(prefix string, u *unstructured.Unstructured) {
		for k := range u.GetAnnotations() {
			f[prefix+": annotation "+k] = "set"
		}
		for k, v := range u.GetLabels() {
			f[prefix+": label "+k] = v
		}
	}
	must := func(u *unstructured.Unstructured, err error) *unstructured.Unstructured {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	must(create(ksvcGVR, map[string]any{"apiVersion": "serving.knative.dev/v1", "kind": "Service",
		"metadata": map[string]any{"name": "parity-sink", "namespace": "default"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"image": "ghcr.io/acme/hello:1.0"}}}}}}))
	broker := must(create(brokerGVR, map[string]any{"apiVersion": "eventing.knative.dev/v1", "kind": "Broker",
		"metadata": map[string]any{"name": "parity", "namespace": "default"}}))
	f["broker create: annotation eventing.knative.dev/broker.class"] = broker.GetAnnotations()["eventing.knative.dev/broker.class"]
	sink := map[string]any{"ref": map[string]any{"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": "parity-sink"}}

	ping := must(create(pingSourceGVR, map[string]any{"apiVersion": "sources.knative.dev/v1", "kind": "PingSource",
		"metadata": map[string]any{"name": "parity-cron", "namespace": "default"},
		"spec":     map[string]any{"schedule": "0 30 9 * * 1-5", "timezone": "Europe/Paris", "data": `{"a":1}`, "sink": sink}}))
	injected("pingsource create", ping)
	spec, _, _ := unstructured.NestedMap(ping.Object, "spec")
	f["pingsource create: spec"] = js(spec)

	trig := must(create(triggerGVR, map[string]any{"apiVersion": "eventing.knative.dev/v1", "kind": "Trigger",
		"metadata": map[string]any{"name": "parity-topic", "namespace": "default"},
		"spec": map[string]any{"broker": "parity", "filter": map[string]any{"attributes": map[string]any{"type": "com.acme.x"}},
			"subscriber": sink}}))
	injected("trigger create", trig)
	spec, _, _ = unstructured.NestedMap(trig.Object, "spec")
	f["trigger create: spec"] = js(spec)

	_, err = create(pingSourceGVR, map[string]any{"apiVersion": "sources.knative.dev/v1", "kind": "PingSource",
		"metadata": map[string]any{"name": "parity-every", "namespace": "default"},
		"spec":     map[string]any{"schedule": "@every 10m", "sink": sink}})
	f["pingsource @every create"] = fmt.Sprint(statusCode(err))

	for _, o := range []struct {
		fact string
		gvr  schema.GroupVersionResource
		name string
	}{{"broker", brokerGVR, "parity"}, {"pingsource", pingSourceGVR, "parity-cron"}, {"trigger", triggerGVR, "parity-topic"}} {
		u := waitReady(ctx, t, dyn.Resource(o.gvr).Namespace("default"), o.name)
		var conds []string
		sc, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
		for _, c := range sc {
			m, _ := c.(map[string]any)
			conds = append(conds, fmt.Sprintf("%s=%s", m["type"], m["status"]))
		}
		sort.Strings(conds)
		f[o.fact+" ready: conditions"] = strings.Join(conds, ",")
		og, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
		f[o.fact+" ready: observedGeneration"] = fmt.Sprint(og)
	}
	for k, v := range f {
		t.Logf("%s: %s", k, v)
	}
	return f
}
