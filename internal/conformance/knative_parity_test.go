package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

var ksvcGVR = schema.GroupVersionResource{Group: "serving.knative.dev", Version: "v1", Resource: "services"}

// TestKnativeServingParity sends one sequence of Kubernetes API requests about Knative
// Services to the Kubernetes simulator (k8ssim) and, with FAAS_TEST_KUBECONFIG (the
// testbed's real Knative Serving, scripts/testacc-knative-real.sh), to the real one, and
// collects what each answers as facts (defaults, injected keys, status, errors). The
// facts both must agree on are checked; the others, where k8ssim is known to differ,
// are logged (see knownServingDifferences).
func TestKnativeServingParity(t *testing.T) {
	compareParity(t, "Serving", servingFacts, knownServingDifferences)
}

// compareParity runs facts against k8ssim and, with FAAS_TEST_KUBECONFIG, against the
// real Knative (the testbed's), then fails on every fact the two answer differently
// unless known lists it with the reason it does not matter to the driver.
func compareParity(t *testing.T, part string, facts func(*testing.T, *rest.Config) map[string]string, known map[string]string) {
	t.Helper()
	seen := map[string]map[string]string{}
	t.Run("simulator", func(t *testing.T) {
		sim := k8ssim.New(k8ssim.Options{Token: "parity-token", ReadyAfterPolls: 1})
		sim.StartTLS()
		t.Cleanup(sim.Close)
		kc, err := sim.Kubeconfig()
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := clientcmd.RESTConfigFromKubeConfig(kc)
		if err != nil {
			t.Fatal(err)
		}
		seen["simulator"] = facts(t, cfg)
	})
	t.Run("real", func(t *testing.T) {
		path := os.Getenv("FAAS_TEST_KUBECONFIG")
		if path == "" {
			t.Skipf("needs a real Knative %s (FAAS_TEST_KUBECONFIG: scripts/testacc-knative-real.sh)", part)
		}
		cfg, err := clientcmd.BuildConfigFromFlags("", path)
		if err != nil {
			t.Fatal(err)
		}
		seen["real"] = facts(t, cfg)
	})
	sim, onReal := seen["simulator"], seen["real"]
	if sim == nil || onReal == nil {
		return
	}
	keys := map[string]bool{}
	for k := range sim {
		keys[k] = true
	}
	for k := range onReal {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if sim[k] == onReal[k] {
			continue
		}
		if why, ok := known[k]; ok {
			t.Logf("known difference %s: simulator %s, real %s (%s)", k, sim[k], onReal[k], why)
			continue
		}
		t.Errorf("%s: simulator %s, real %s", k, sim[k], onReal[k])
	}
}

// knownServingDifferences are the facts where k8ssim differs from the real Serving, and
// why that does not matter to the driver.
var knownServingDifferences = map[string]string{
	// Right after an update the real Service still shows the previous generation as
	// Ready=True until the controller reconciles it; k8ssim does so only with
	// Options.StaleStatusPolls. The driver waits for observedGeneration == generation.
	"update: first read, status of": "stale status after an update (k8ssim: StaleStatusPolls)",
}

// servingFacts runs the sequence against one API server and returns what it saw.
func servingFacts(t *testing.T, cfg *rest.Config) map[string]string {
	t.Helper()
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	svcs := dyn.Resource(ksvcGVR).Namespace("default")
	// One name on both: each runs on its own API server, and names show in the facts.
	name := "tfacc-parity"
	f := map[string]string{}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	sent := map[string]any{
		"apiVersion": "serving.knative.dev/v1", "kind": "Service",
		"metadata": map[string]any{"name": name, "namespace": "default",
			"labels":      map[string]any{"team": "payments"},
			"annotations": map[string]any{"example.com/owner": "platform"}},
		"spec": map[string]any{"template": map[string]any{
			"metadata": map[string]any{"annotations": map[string]any{"autoscaling.knative.dev/min-scale": "1"}},
			"spec": map[string]any{"containers": []any{map[string]any{
				"image": "ghcr.io/acme/hello:1.0",
				"env":   []any{map[string]any{"name": "EMPTY", "value": ""}},
				"resources": map[string]any{"limits": map[string]any{"cpu": "0.5", "memory": "256Mi"},
					"requests": map[string]any{"cpu": "100m"}},
			}}}}},
	}
	created, err := svcs.Create(ctx, &unstructured.Unstructured{Object: sent}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svcs.Delete(context.Background(), name, metav1.DeleteOptions{}) })
	for k := range created.GetAnnotations() {
		if k != "example.com/owner" {
			f["create: annotation "+k] = "set"
		}
	}
	for k := range created.GetLabels() {
		if k != "team" {
			f["create: label "+k] = "set"
		}
	}
	f["create: generation"] = fmt.Sprint(created.GetGeneration())
	f["create: finalizers"] = js(created.GetFinalizers())
	spec, _, _ := unstructured.NestedMap(created.Object, "spec", "template", "spec")
	c0 := firstContainer(spec)
	delete(spec, "containers")
	for k, v := range spec {
		f["create: template.spec."+k] = js(v)
	}
	for k, v := range c0 {
		f["create: container."+k] = js(v)
	}
	tm, _, _ := unstructured.NestedMap(created.Object, "spec", "template", "metadata")
	f["create: template.metadata"] = js(tm)
	traffic, _, _ := unstructured.NestedSlice(created.Object, "spec", "traffic")
	f["create: traffic"] = js(traffic)

	got := waitReady(ctx, t, svcs, name)
	st, _, _ := unstructured.NestedMap(got.Object, "status")
	var conds []string
	sc, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions")
	for _, c := range sc {
		m, _ := c.(map[string]any)
		conds = append(conds, fmt.Sprintf("%s=%s", m["type"], m["status"]))
	}
	sort.Strings(conds)
	f["ready: conditions"] = strings.Join(conds, ",")
	for _, k := range []string{"url", "latestCreatedRevisionName", "latestReadyRevisionName", "observedGeneration", "traffic", "address"} {
		f["ready: status."+k] = js(st[k])
	}
	for k := range got.GetAnnotations() {
		if k != "example.com/owner" {
			f["ready: annotation "+k] = "set"
		}
	}
	for k := range got.GetLabels() {
		if k != "team" {
			f["ready: label "+k] = "set"
		}
	}
	gotSpec, _, _ := unstructured.NestedMap(got.Object, "spec", "template", "spec")
	f["ready: container resources"] = js(firstContainer(gotSpec)["resources"])

	// Errors.
	_, err = svcs.Create(ctx, &unstructured.Unstructured{Object: sent}, metav1.CreateOptions{})
	f["duplicate create"] = fmt.Sprintf("%v %d", apierrors.IsAlreadyExists(err), statusCode(err))
	bad := got.DeepCopy()
	_ = unstructured.SetNestedField(bad.Object, "-1", "spec", "template", "metadata", "annotations", "autoscaling.knative.dev/min-scale")
	_, err = svcs.Update(ctx, bad, metav1.UpdateOptions{})
	f["bad min-scale"] = fmt.Sprintf("%d %v", statusCode(err), err)
	stale := created.DeepCopy()
	_ = unstructured.SetNestedField(stale.Object, "x", "metadata", "labels", "team")
	_, err = svcs.Update(ctx, stale, metav1.UpdateOptions{})
	f["stale update"] = fmt.Sprintf("%v %d", apierrors.IsConflict(err), statusCode(err))

	// A new template: a second revision.
	upd := got.DeepCopy()
	cs, _, _ := unstructured.NestedSlice(upd.Object, "spec", "template", "spec", "containers")
	if c, ok := cs[0].(map[string]any); ok {
		c["image"] = "ghcr.io/acme/hello:1.1"
	}
	_ = unstructured.SetNestedSlice(upd.Object, cs, "spec", "template", "spec", "containers")
	updated, err := svcs.Update(ctx, upd, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f["update: generation"] = fmt.Sprint(updated.GetGeneration())
	first, err := svcs.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	obs, _, _ := unstructured.NestedInt64(first.Object, "status", "observedGeneration")
	f["update: first read, status of"] = fmt.Sprintf("generation %d, Ready=%s", obs, readyStatus(first))
	got = waitReady(ctx, t, svcs, name)
	st, _, _ = unstructured.NestedMap(got.Object, "status")
	for _, k := range []string{"latestCreatedRevisionName", "latestReadyRevisionName", "observedGeneration", "traffic"} {
		f["update ready: status."+k] = js(st[k])
	}

	// Delete: the Service has no finalizer; it is gone at once.
	if err := svcs.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = svcs.Get(ctx, name, metav1.GetOptions{})
	f["get right after delete"] = fmt.Sprint(statusCode(err))
	err = svcs.Delete(ctx, name, metav1.DeleteOptions{})
	f["delete again"] = fmt.Sprint(statusCode(err))
	for k, v := range f {
		t.Logf("%s: %s", k, v)
	}
	return f
}

// waitReady polls an object until its current generation is Ready (at most 2 minutes).
func waitReady(ctx context.Context, t *testing.T, svcs dynamic.ResourceInterface, name string) *unstructured.Unstructured {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got, err := svcs.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		obs, _, _ := unstructured.NestedInt64(got.Object, "status", "observedGeneration")
		if obs == got.GetGeneration() && readyStatus(got) == "True" {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not Ready: %v", name, got.Object["status"])
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// firstContainer is a pod spec's first container (empty when there is none).
func firstContainer(spec map[string]any) map[string]any {
	cs, _ := spec["containers"].([]any)
	if len(cs) == 0 {
		return map[string]any{}
	}
	c, _ := cs[0].(map[string]any)
	return c
}

func readyStatus(u *unstructured.Unstructured) string {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		if m, _ := c.(map[string]any); m["type"] == "Ready" {
			return fmt.Sprint(m["status"])
		}
	}
	return ""
}

func statusCode(err error) int32 {
	if s, ok := err.(apierrors.APIStatus); ok { //nolint:errorlint // the API's own errors
		return s.Status().Code
	}
	return 0
}
