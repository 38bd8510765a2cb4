package knative

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

func TestInfo(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{KubernetesVersion: "v1.34.2"})
	ctx := context.Background()
	info, err := d.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Platform != "knative" || info.Backend != "knative-serving" || info.Version != "v1.34.2" || info.Endpoint != sim.URL() {
		t.Errorf("info %+v", info)
	}
	if info.Describe() != "Knative knative-serving" {
		t.Errorf("describe %q", info.Describe())
	}
	for _, f := range []platform.Feature{platform.FeatureFunctionImagePullSecrets, platform.FeatureScalingPolicyMinReplicasZero, platform.FeatureSecret} {
		if !info.Capabilities.Has(f) {
			t.Errorf("capability %s missing", f)
		}
	}
	if info.Capabilities.Has(platform.FeatureFunctionOpenFaaSConstraints) {
		t.Error("constraints are not supported")
	}
	n := len(sim.Requests())
	if _, err := d.Info(ctx); err != nil || len(sim.Requests()) != n {
		t.Errorf("Info was not cached")
	}
	for _, r := range sim.Requests() {
		if !strings.HasPrefix(r.Path, "/version") && !strings.HasPrefix(r.Path, "/apis/serving.knative.dev/v1") {
			t.Errorf("unexpected discovery request %s", r.Path)
		}
	}
}

func TestInfoWithoutKnative(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/version" {
			_, _ = w.Write([]byte(`{"major":"1","minor":"33","gitVersion":"v1.33.0"}`))
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,"message":"the server could not find the requested resource"}`))
	}))
	defer plain.Close()
	_, err := driverFor(t, plain.URL).Info(context.Background())
	if !errors.Is(err, platform.ErrUnsupported) || !strings.Contains(err.Error(), "Knative Serving is not installed") && !strings.Contains(err.Error(), "knative Serving is not installed") {
		t.Fatalf("got %v", err)
	}
}

func TestCreateReadRoundTripIsDriftFree(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{ReadyAfterPolls: 2})
	ctx := context.Background()
	fn := sampleFunction("round")
	created, err := d.CreateFunction(ctx, fn)
	if err != nil {
		t.Fatal(err)
	}
	if created.Status.Ready {
		t.Error("a Service is not ready in its create response")
	}
	if !reflect.DeepEqual(withoutStatus(created), withoutStatus(normalized(fn))) {
		t.Errorf("create returned\n %+v\nwant\n %+v", withoutStatus(created), withoutStatus(normalized(fn)))
	}
	got := waitReady(t, d, fn.ID)
	if !reflect.DeepEqual(withoutStatus(got), withoutStatus(normalized(fn))) {
		t.Errorf("read after apply\n %+v\nwant\n %+v", withoutStatus(got), withoutStatus(normalized(fn)))
	}
	if got.Status.InvokeURL != "http://round.default.example.com" || got.Status.Reason != "Ready" || !got.Status.ScaleToZero {
		t.Errorf("status %+v", got.Status)
	}
	// What is stored is the Knative shape (FACTS.md section 3, DESIGN.md section 3.2).
	u := storedService(t, sim, "round")
	c := firstContainer(t, u)
	checks := map[string]any{
		"image":   "ghcr.io/acme/round:1",
		"command": []any{"python3", "-u"},
		"args":    []any{"index.py", "--port", "8080"},
		"env": []any{map[string]any{"name": "EMPTY"}, map[string]any{"name": "MODE", "value": "prod"},
			map[string]any{"name": "ZED", "value": "last"}},
		"resources": map[string]any{"limits": map[string]any{"cpu": "500m", "memory": "128Mi"},
			"requests": map[string]any{"cpu": "100m", "memory": "64Mi"}},
		"securityContext": map[string]any{"readOnlyRootFilesystem": true},
		"volumeMounts":    []any{map[string]any{"name": SecretsVolume, "mountPath": "/var/openfaas/secrets", "readOnly": true}},
	}
	for k, want := range checks {
		if !reflect.DeepEqual(c[k], want) {
			t.Errorf("container %s = %#v, want %#v", k, c[k], want)
		}
	}
	spec, _, _ := unstructured.NestedMap(u.Object, "spec", "template", "spec")
	if spec["timeoutSeconds"] != int64(45) || spec["containerConcurrency"] != int64(10) {
		t.Errorf("timeout/concurrency %v %v", spec["timeoutSeconds"], spec["containerConcurrency"])
	}
	wantVol := []any{map[string]any{"name": SecretsVolume, "projected": map[string]any{"sources": []any{
		map[string]any{"secret": map[string]any{"name": "api-key"}}, map[string]any{"secret": map[string]any{"name": "db-password"}}}}}}
	if !reflect.DeepEqual(spec["volumes"], wantVol) {
		t.Errorf("volumes %#v", spec["volumes"])
	}
	if !reflect.DeepEqual(spec["imagePullSecrets"], []any{map[string]any{"name": "registry"}}) {
		t.Errorf("imagePullSecrets %#v", spec["imagePullSecrets"])
	}
	if u.GetLabels()["team"] != "a" || u.GetAnnotations()["example.com/owner"] != "payments" || u.GetAnnotations()[CreatorAnnotation] == "" {
		t.Errorf("metadata %v %v", u.GetLabels(), u.GetAnnotations())
	}
	// Reads never write.
	sim.ResetRequests()
	if _, err := d.ReadFunction(ctx, fn.ID); err != nil || len(sim.Writes()) != 0 {
		t.Errorf("read: %v, writes %v", err, sim.Writes())
	}
}

// normalized is what a read returns for fn: secrets and pull secrets sorted.
func normalized(fn *platform.Function) *platform.Function {
	c := *fn
	c.Secrets = slices.Compact(slices.Sorted(slices.Values(fn.Secrets)))
	c.ImagePullSecrets = slices.Compact(slices.Sorted(slices.Values(fn.ImagePullSecrets)))
	return &c
}

func firstContainer(t *testing.T, u *unstructured.Unstructured) map[string]any {
	t.Helper()
	cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
	if len(cs) != 1 {
		t.Fatalf("%d containers", len(cs))
	}
	c, _ := cs[0].(map[string]any)
	return c
}

func TestServerDefaultsAndInjectedKeysAreIgnored(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	ctx := context.Background()
	minimal := &platform.Function{ID: platform.FunctionID{Namespace: "default", Name: "minimal"}, Image: "ghcr.io/acme/minimal:1"}
	if _, err := d.CreateFunction(ctx, minimal); err != nil {
		t.Fatal(err)
	}
	u := storedService(t, sim, "minimal")
	spec, _, _ := unstructured.NestedMap(u.Object, "spec", "template", "spec")
	if spec["timeoutSeconds"] != int64(300) || spec["containerConcurrency"] != int64(0) || spec["enableServiceLinks"] != false {
		t.Fatalf("the simulator did not default: %v", spec)
	}
	if c := firstContainer(t, u); c["name"] != "user-container" || c["readinessProbe"] == nil {
		t.Fatalf("container defaults missing: %v", c)
	}
	got := waitReady(t, d, minimal.ID)
	if !reflect.DeepEqual(withoutStatus(got), *minimal) {
		t.Errorf("defaults leaked into the read:\n %+v\nwant\n %+v", withoutStatus(got), *minimal)
	}
	// An explicit timeout equal to the default still reads back as written.
	withDefault := *minimal
	withDefault.Timeout = "5m"
	up, err := d.UpdateFunction(ctx, &withDefault)
	if err != nil {
		t.Fatal(err)
	}
	if up.Timeout != "5m" {
		t.Errorf("timeout %q", up.Timeout)
	}
	if got, _ := d.ReadFunction(ctx, minimal.ID); got.Timeout != "5m" {
		t.Errorf("read timeout %q", got.Timeout)
	}
	// A Service created outside Terraform with Knative's defaults imports clean.
	if err := sim.Put(&unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "serving.knative.dev/v1", "kind": "Service",
		"metadata": map[string]any{"name": "imported", "namespace": "default"},
		"spec":     map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"image": "x:1"}}}}},
	}}); err != nil {
		t.Fatal(err)
	}
	imp, err := d.ReadFunction(ctx, platform.FunctionID{Namespace: "default", Name: "imported"})
	if err != nil {
		t.Fatal(err)
	}
	if imp.Timeout != "" || imp.MaxConcurrency != 0 || imp.Annotations != nil || imp.Labels != nil || imp.Env != nil {
		t.Errorf("import %+v", imp)
	}
	// Out-of-band drift shows on the next run (a new Driver; one run's reads are cached).
	if err := sim.Modify(k8ssim.ServicesGVR, "default", "minimal", func(u *unstructured.Unstructured) {
		_ = unstructured.SetNestedField(u.Object, int64(120), "spec", "template", "spec", "timeoutSeconds")
		u.SetLabels(map[string]string{"hand": "made"})
	}); err != nil {
		t.Fatal(err)
	}
	drifted, _ := driverFor(t, sim.URL()).ReadFunction(ctx, minimal.ID)
	if drifted.Timeout != "120s" || drifted.Labels["hand"] != "made" {
		t.Errorf("drift hidden: %+v", drifted)
	}
}

func TestUpdatePreservesSiblingKeysAndSkipsNoOps(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	ctx := context.Background()
	fn := sampleFunction("keep")
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ApplyScalingPolicy(ctx, &platform.ScalingPolicy{Function: fn.ID, MaxReplicas: ptr(int64(4))}, true); err != nil {
		t.Fatal(err)
	}
	// Someone adds a port and a template annotation the provider does not manage.
	if err := sim.Modify(k8ssim.ServicesGVR, "default", "keep", func(u *unstructured.Unstructured) {
		cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
		if c, ok := cs[0].(map[string]any); ok {
			c["ports"] = []any{map[string]any{"containerPort": int64(8080)}}
		}
		_ = unstructured.SetNestedSlice(u.Object, cs, "spec", "template", "spec", "containers")
		_ = unstructured.SetNestedField(u.Object, "60s", "spec", "template", "metadata", "annotations", "autoscaling.knative.dev/window")
	}); err != nil {
		t.Fatal(err)
	}
	before := storedService(t, sim, "keep")
	fn2 := *fn
	fn2.Image = "ghcr.io/acme/keep:2"
	fn2.Labels = map[string]string{"team": "b"}
	fn2.Env = map[string]string{"MODE": "dev"}
	fn2.Secrets = nil
	fn2.Timeout = ""
	fn2.Limits = platform.Resources{Memory: "256Mi"}
	fn2.ReadOnlyRootFilesystem = false
	got, err := d.UpdateFunction(ctx, &fn2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(withoutStatus(got), withoutStatus(normalized(&fn2))) {
		t.Errorf("update returned\n %+v\nwant\n %+v", withoutStatus(got), withoutStatus(normalized(&fn2)))
	}
	after := storedService(t, sim, "keep")
	tann := templateAnnotations(after.Object)
	if tann["autoscaling.knative.dev/max-scale"] != "4" || tann["autoscaling.knative.dev/window"] != "60s" {
		t.Errorf("template annotations lost: %v", tann)
	}
	if after.GetAnnotations()[CreatorAnnotation] == "" || after.GetAnnotations()[CreatorAnnotation] != before.GetAnnotations()[CreatorAnnotation] {
		t.Errorf("annotations lost: %v", after.GetAnnotations())
	}
	c := firstContainer(t, after)
	if c["ports"] == nil || c["name"] != "user-container" {
		t.Errorf("container fields lost: %v", c)
	}
	if sc, _ := c["securityContext"].(map[string]any); sc["readOnlyRootFilesystem"] != nil {
		t.Errorf("readOnlyRootFilesystem kept: %v", c["securityContext"])
	}
	if vols, _, _ := unstructured.NestedSlice(after.Object, "spec", "template", "spec", "volumes"); len(vols) != 0 {
		t.Errorf("secret volume kept: %v", vols)
	}
	if ts, _, _ := unstructured.NestedInt64(after.Object, "spec", "template", "spec", "timeoutSeconds"); ts != 300 {
		t.Errorf("timeout not back to the default: %d", ts)
	}
	// No-op update writes nothing.
	sim.ResetRequests()
	if _, err := d.UpdateFunction(ctx, &fn2); err != nil {
		t.Fatal(err)
	}
	if w := sim.Writes(); len(w) != 0 {
		t.Errorf("no-op update wrote: %v", w)
	}
}

func TestReadyWaitFailureAndStaleStatus(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{ReadyAfterPolls: 1, StaleStatusPolls: 2,
		FailImages: map[string]k8ssim.Failure{"ghcr.io/acme/missing:1": {Reason: "RevisionMissing", Message: `Unable to fetch image "ghcr.io/acme/missing:1": not found`}}})
	ctx := context.Background()
	fn := sampleFunction("ready")
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	if _, err := d.WaitReady(ctx, fn.ID); err != nil {
		t.Fatal(err)
	}
	// After an update the old generation's Ready=True must not count.
	fn.Image = "ghcr.io/acme/ready:2"
	if _, err := d.UpdateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	first, err := d.ReadFunction(ctx, fn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if first.Status.Ready || !strings.Contains(first.Status.Reason, "not yet reconciled generation 2") {
		t.Errorf("stale status counted as ready: %+v", first.Status)
	}
	if got := waitReady(t, d, fn.ID); got.Image != "ghcr.io/acme/ready:2" {
		t.Errorf("image %q", got.Image)
	}
	// A failing image: the reason is surfaced, and WaitReady stops at once.
	bad := sampleFunction("broken")
	bad.Image = "ghcr.io/acme/missing:1"
	if _, err := d.CreateFunction(ctx, bad); err != nil {
		t.Fatal(err)
	}
	_, err = d.WaitReady(ctx, bad.ID)
	var nre *platform.FailedError
	if !errors.As(err, &nre) || !strings.Contains(err.Error(), `RevisionMissing: Configuration "broken" does not have any ready Revision.; ConfigurationsReady: RevisionFailed: Revision "broken-00001" failed with message: Unable to fetch image "ghcr.io/acme/missing:1"`) {
		t.Fatalf("wait for a failing function: %v", err)
	}
	read, _ := d.ReadFunction(ctx, bad.ID)
	if read.Status.Ready || !strings.Contains(read.Status.Reason, "ConfigurationsReady: RevisionFailed: Revision \"broken-00001\" failed with message: Unable to fetch image") {
		t.Errorf("status %+v", read.Status)
	}
	// The provider's own wait times out with the platform's last reason. It ends after a
	// number of checks, not at a deadline: a loaded machine must not turn a slow first
	// read into a timeout without a status.
	steps := fastPoll
	steps.Steps = 3
	err = platform.WaitFor(ctx, "function "+bad.ID.String(), "ready", steps, func(ctx context.Context) (bool, string, error) {
		f, err := d.ReadFunction(ctx, bad.ID)
		if err != nil {
			return false, "", err
		}
		return f.Status.Ready, f.Status.Reason, nil
	})
	var te *platform.TimeoutError
	if !errors.As(err, &te) || !strings.Contains(te.LastStatus, "Unable to fetch image") {
		t.Errorf("timeout: %v", err)
	}
	// A condition set behind Terraform's back shows on the next run's read.
	if err := sim.SetCondition(k8ssim.ServicesGVR, "default", "ready", k8ssim.Condition{Type: "Ready", Status: "False", Reason: "RevisionFailed", Message: "OOMKilled"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := driverFor(t, sim.URL()).ReadFunction(ctx, fn.ID); got.Status.Ready || got.Status.Reason != "RevisionFailed: OOMKilled" {
		t.Errorf("after SetCondition: %+v", got.Status)
	}
}

func TestConflictRetry(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	ctx := context.Background()
	fn := sampleFunction("race")
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	sim.SetFaults(k8ssim.Faults{StatusWriteRaces: 3})
	fn.Labels = map[string]string{"team": "c"}
	if _, err := d.UpdateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	conflicts, ok := 0, 0
	for _, r := range sim.Writes() {
		switch r.Status {
		case http.StatusConflict:
			conflicts++
		case http.StatusOK:
			ok++
		}
	}
	if conflicts != 3 || ok != 1 {
		t.Errorf("%d conflicts and %d successful writes, want 3 and 1: %v", conflicts, ok, sim.Writes())
	}
	if u := storedService(t, sim, "race"); u.GetLabels()["team"] != "c" {
		t.Errorf("labels %v", u.GetLabels())
	}
}

// TestConcurrentWritersNeverLoseKeys runs writers that do not share the in-process lock
// (two drivers reaching the API server by different host names, as two Terraform runs
// would) together with an out-of-band writer, so the API server's optimistic concurrency
// is what keeps every write.
func TestConcurrentWritersNeverLoseKeys(t *testing.T) {
	d1, sim := newTestDriver(t, k8ssim.Options{})
	d2 := driverFor(t, strings.Replace(sim.URL(), "127.0.0.1", "localhost", 1))
	sim.SetFaults(k8ssim.Faults{Latency: time.Millisecond})
	ctx := context.Background()
	fn := sampleFunction("busy")
	if _, err := d1.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			d := d1
			if i%2 == 1 {
				d = d2
			}
			key := fmt.Sprintf("example.com/k%d", i)
			if _, _, err := d.Modify(ctx, fn.ID, func(obj map[string]any) error {
				return unstructured.SetNestedField(obj, "v", "metadata", "annotations", key)
			}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 5; i++ {
			_ = sim.Modify(k8ssim.ServicesGVR, "default", "busy", func(u *unstructured.Unstructured) {
				_ = unstructured.SetNestedField(u.Object, fmt.Sprint(i), "metadata", "labels", "oob")
			})
			time.Sleep(time.Millisecond)
		}
	}()
	wg.Wait()
	anns := storedService(t, sim, "busy").GetAnnotations()
	for i := 0; i < 8; i++ {
		if anns[fmt.Sprintf("example.com/k%d", i)] != "v" {
			t.Errorf("key k%d lost: %v", i, anns)
		}
	}
	if countPuts(sim, "/services/busy") < 8 {
		t.Errorf("fewer writes than writers")
	}
	conflicts := 0
	for _, r := range sim.Writes() {
		if r.Status == http.StatusConflict {
			conflicts++
		}
	}
	t.Logf("%d writes answered 409 Conflict and were retried", conflicts)
}

func TestCreateLostResponseOfSomeoneElsesServiceIsConflict(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	sim.SetFaults(k8ssim.Faults{DropConnections: 1, Only: func(m, _ string) bool { return m == http.MethodPost }})
	// While our request is dropped, someone else creates the Service.
	if err := sim.Put(newServiceObject(&platform.Function{ID: platform.FunctionID{Namespace: "default", Name: "taken"}, Image: "other:1"}, "their-token")); err != nil {
		t.Fatal(err)
	}
	_, err := d.CreateFunction(context.Background(), sampleFunction("taken"))
	if !errors.Is(err, platform.ErrConflict) {
		t.Fatalf("got %v", err)
	}
}

func TestRetriesRateLimitsAndBursts(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	sim.SetFaults(k8ssim.Faults{RateLimitEvery: 2, RetryAfterSeconds: 0, Burst503: 2})
	ctx := context.Background()
	if _, err := d.CreateFunction(ctx, sampleFunction("busy")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ReadFunction(ctx, platform.FunctionID{Namespace: "default", Name: "busy"}); err != nil {
		t.Fatal(err)
	}
	if n := len(sim.List(k8ssim.ServicesGVR, "default")); n != 1 {
		t.Fatalf("%d services", n)
	}
	// GETs survive dropped connections.
	sim.SetFaults(k8ssim.Faults{DropConnections: 2})
	if _, err := d.ReadFunction(ctx, platform.FunctionID{Namespace: "default", Name: "busy"}); err != nil {
		t.Fatalf("read through dropped connections: %v", err)
	}
}

func TestPersistentErrorIsBoundedAndReported(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	ctx := context.Background()
	_, _ = d.Info(ctx)
	sim.ResetRequests()
	sim.SetFaults(k8ssim.Faults{PersistentStatus: 503, PersistentMessage: "etcdserver: leader changed; token=" + testToken})
	_, err := d.ReadFunction(ctx, platform.FunctionID{Namespace: "default", Name: "x"})
	if err == nil || !strings.Contains(err.Error(), "HTTP 503") || !strings.Contains(err.Error(), "etcdserver: leader changed") {
		t.Fatalf("got %v", err)
	}
	// A refresh read lists the namespace first and falls back to reading the Service:
	// the list is tried 1 + MaxRetries (5) times, and opens the circuit, so the read is
	// not sent (internal/circuit).
	if n := len(sim.Requests()); n != 6 {
		t.Errorf("%d attempts, want one budget: 1 + MaxRetries (5)", n)
	}
	if !strings.Contains(err.Error(), "not sent") {
		t.Errorf("the second request was not refused by the circuit: %v", err)
	}
	// Later requests fail at once with the same cause, and send nothing.
	sim.ResetRequests()
	for _, name := range []string{"y", "z"} {
		if _, err := d.ReadFunction(ctx, platform.FunctionID{Namespace: "default", Name: name}); err == nil || !strings.Contains(err.Error(), "etcdserver: leader changed") {
			t.Fatalf("got %v", err)
		}
	}
	if n := len(sim.Requests()); n != 0 {
		t.Errorf("%d requests sent while the circuit was open", n)
	}
	// A new run (a new driver) starts with a closed circuit.
	sim.ClearFaults()
	d = driverFor(t, sim.URL())
	_, _ = d.Info(ctx)
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("the token leaked into an error: %v", err)
	}
	sim.ClearFaults()
	sim.SetFaults(k8ssim.Faults{PersistentStatus: 500, PersistentMessage: "internal error"})
	sim.ResetRequests()
	_, err = d.CreateFunction(ctx, sampleFunction("x"))
	if err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Fatalf("got %v", err)
	}
	if n := len(sim.Requests()); n != 1 {
		t.Errorf("a 500 was retried: %d requests", n)
	}
	var apiErr *platform.APIError
	if !errors.As(err, &apiErr) || apiErr.Method != http.MethodPost || apiErr.Path != "/apis/serving.knative.dev/v1/namespaces/default/services" {
		t.Errorf("api error %+v", apiErr)
	}
}

func TestWebhookRejectionIsInvalid(t *testing.T) {
	d, _ := newTestDriver(t, k8ssim.Options{})
	fn := sampleFunction("rejected")
	fn.Timeout = "20m" // above max-revision-timeout-seconds (600)
	_, err := d.CreateFunction(context.Background(), fn)
	if !errors.Is(err, platform.ErrInvalid) || !strings.Contains(err.Error(), "expected 0 <= 1200 <= 600: spec.template.spec.timeoutSeconds") {
		t.Fatalf("got %v", err)
	}
}

func TestListFunctions(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{Namespaces: []string{"default", "other"}})
	ctx := context.Background()
	for _, name := range []string{"b", "a"} {
		if _, err := d.CreateFunction(ctx, sampleFunction(name)); err != nil {
			t.Fatal(err)
		}
	}
	o := sampleFunction("c")
	o.ID.Namespace = "other"
	if _, err := d.CreateFunction(ctx, o); err != nil {
		t.Fatal(err)
	}
	sim.ResetRequests()
	list, err := d.ListFunctions(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID.Name != "a" || list[1].Env["MODE"] != "prod" {
		t.Errorf("list %+v", list)
	}
	if n := len(sim.Requests()); n != 1 {
		t.Errorf("%d requests for a list, want 1", n)
	}
}

func TestCheckFunction(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	fn := &platform.Function{
		ID: platform.FunctionID{Namespace: "default", Name: "9lives"}, Image: "x",
		Env:         map[string]string{"PORT": "1", "K_SERVICE": "x", "OK": "1"},
		Annotations: map[string]string{"autoscaling.knative.dev/min-scale": "1", CreatorAnnotation: "me", LastAppliedAnnotation: "{}", "fine": "1"},
		Labels:      map[string]string{VisibilityLabel: "public"},
		Timeout:     "1500ms",
		Watchdog:    platform.WatchdogTimeouts{Write: "60s", Exec: "30s"},
		Constraints: []string{"node=a"},
	}
	probs, err := d.CheckFunction(context.Background(), fn)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range probs {
		got = append(got, p.Attribute.String())
		if p.Platform != "Knative knative-serving" || p.Reason == "" {
			t.Errorf("problem %+v", p)
		}
	}
	want := []string{`env["K_SERVICE"]`, `env["PORT"]`, "name", `annotations["autoscaling.knative.dev/min-scale"]`, `annotations["faasform.dev/last-applied"]`,
		`annotations["serving.knative.dev/creator"]`, `labels["networking.knative.dev/visibility"]`, "timeout", "openfaas.write_timeout", "openfaas.exec_timeout", "openfaas.constraints"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("\n got  %v\n want %v", got, want)
	}
	if len(sim.Writes()) != 0 {
		t.Error("CheckFunction wrote")
	}
	ok, err := d.CheckFunction(context.Background(), sampleFunction("fine"))
	if err != nil || len(ok) != 0 {
		t.Errorf("a valid function: %v %v", ok, err)
	}
}

func TestRequestsCarryUserAgentAndNoSecretsInErrors(t *testing.T) {
	var agents []string
	var mu sync.Mutex
	sim, err := k8ssim.Open(k8ssim.Options{Token: testToken, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents = append(agents, r.Header.Get("User-Agent"))
		mu.Unlock()
		sim.ServeHTTP(w, r)
	}))
	defer srv.Close()
	d := driverFor(t, srv.URL)
	if _, err := d.ReadFunction(context.Background(), platform.FunctionID{Namespace: "default", Name: "nope"}); !errors.Is(err, platform.ErrNotFound) {
		t.Fatalf("got %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, a := range agents {
		if a != "terraform-provider-faas/test" {
			t.Errorf("user agent %q", a)
		}
	}
	raw, _ := json.Marshal(sim.Requests())
	if strings.Contains(string(raw), testToken) {
		t.Error("token in the request log")
	}
}
