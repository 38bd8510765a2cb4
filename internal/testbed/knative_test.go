package testbed

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
)

// A Knative Service created through the API becomes Ready with its URL, reconciled by
// the real Serving (webhook defaults, controller, autoscaler) with only the KIngress
// stand-in. Runs inside `faas-testbed run -knative` (scripts/testacc-knative-real.sh).
func TestKnativeServiceBecomesReady(t *testing.T) {
	insideTestbed(t)
	kubeconfig, domain := os.Getenv("FAAS_TEST_KUBECONFIG"), os.Getenv("FAAS_TEST_KNATIVE_DOMAIN")
	if kubeconfig == "" || domain == "" {
		t.Skip("runs inside `faas-testbed run -knative` (FAAS_TEST_KUBECONFIG, FAAS_TEST_KNATIVE_DOMAIN)")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	svcs := dyn.Resource(KnativeServicesGVR).Namespace("default")
	name := fmt.Sprintf("tb-ready-%d", time.Now().UnixNano()%100000)
	svc := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "serving.knative.dev/v1", "kind": "Service",
		"metadata": map[string]any{"name": name, "namespace": "default"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"image": "ghcr.io/acme/hello:1.0"}}}}},
	}}
	created, err := svcs.Create(ctx, svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svcs.Delete(context.Background(), name, metav1.DeleteOptions{}) })
	// The real webhook's defaults.
	if a := created.GetAnnotations()["serving.knative.dev/creator"]; a == "" {
		t.Errorf("no creator annotation: %v", created.GetAnnotations())
	}
	if ts, _, _ := unstructured.NestedInt64(created.Object, "spec", "template", "spec", "timeoutSeconds"); ts != 300 {
		t.Errorf("timeoutSeconds %d; the webhook defaults 300", ts)
	}
	start := time.Now()
	var last *unstructured.Unstructured
	err = waitFor(ctx, "the Service to be Ready", nil, func(ctx context.Context) error {
		if last, err = svcs.Get(ctx, name, metav1.GetOptions{}); err != nil {
			return err
		}
		if !conditionTrue(last, "Ready") {
			return errNotReady
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%v; status: %v", err, last.Object["status"])
	}
	t.Logf("Ready after %s", time.Since(start).Round(time.Second))
	url, _, _ := unstructured.NestedString(last.Object, "status", "url")
	if want := "http://" + name + ".default." + domain; url != want {
		t.Errorf("status.url %q; want %q", url, want)
	}
	rev, _, _ := unstructured.NestedString(last.Object, "status", "latestReadyRevisionName")
	if rev != name+"-00001" {
		t.Errorf("latestReadyRevisionName %q", rev)
	}
}

// The stand-in sets exactly what Serving's route reconciler waits for, and only once.
func TestMarkKIngressReady(t *testing.T) {
	ing := &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"name": "x", "generation": int64(3)}}}
	if !markKIngressReady(ing) {
		t.Fatal("a fresh KIngress was not marked")
	}
	for _, c := range []string{"Ready", "LoadBalancerReady", "NetworkConfigured"} {
		if !conditionTrue(ing, c) {
			t.Errorf("condition %s not True", c)
		}
	}
	if g, _, _ := unstructured.NestedInt64(ing.Object, "status", "observedGeneration"); g != 3 {
		t.Errorf("observedGeneration %d", g)
	}
	for _, lb := range []string{"publicLoadBalancer", "privateLoadBalancer"} {
		if l, _, _ := unstructured.NestedSlice(ing.Object, "status", lb, "ingress"); len(l) != 1 {
			t.Errorf("%s: %v", lb, l)
		}
	}
	if markKIngressReady(ing) {
		t.Error("an unchanged ready KIngress was marked again")
	}
	ing.SetGeneration(4)
	if !markKIngressReady(ing) {
		t.Error("a new generation was not marked")
	}
}
