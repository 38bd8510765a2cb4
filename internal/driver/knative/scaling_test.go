package knative

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

func i64(v int64) *int64 { return &v }

// TestScalingValidation checks CheckScalingPolicy against a table, and checks it against
// the simulated Knative webhook: every policy the check accepts must be accepted by the
// webhook, and every policy the check rejects for a webhook rule must be rejected by it.
func TestScalingValidation(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	ctx := context.Background()
	if _, err := d.CreateFunction(ctx, sampleFunction("scaled")); err != nil {
		t.Fatal(err)
	}
	id := platform.FunctionID{Namespace: "default", Name: "scaled"}
	cases := []struct {
		name    string
		p       platform.ScalingPolicy
		want    []string // attributes
		webhook bool     // the webhook rejects the annotations too
	}{
		{"empty", platform.ScalingPolicy{}, nil, false},
		{"full kpa", platform.ScalingPolicy{MinReplicas: i64(0), MaxReplicas: i64(10), Metric: "rps", Target: i64(150), TargetUtilizationPercent: i64(70), ScaleToZeroAfter: "10m"}, nil, false},
		{"hpa cpu", platform.ScalingPolicy{MinReplicas: i64(1), MaxReplicas: i64(5), Metric: "cpu", Target: i64(80)}, nil, false},
		{"hpa memory", platform.ScalingPolicy{Metric: "memory", Target: i64(200)}, nil, false},
		{"concurrency", platform.ScalingPolicy{Metric: "concurrency", Target: i64(10), MinReplicas: i64(1)}, nil, false},
		{"unlimited max", platform.ScalingPolicy{MinReplicas: i64(3), MaxReplicas: i64(0)}, nil, false},
		{"min > max", platform.ScalingPolicy{MinReplicas: i64(5), MaxReplicas: i64(2)}, []string{"max_replicas"}, true},
		{"negative min", platform.ScalingPolicy{MinReplicas: i64(-1)}, []string{"min_replicas"}, true},
		{"unknown metric", platform.ScalingPolicy{Metric: "queue"}, []string{"metric"}, false},
		{"target 0", platform.ScalingPolicy{Target: i64(0)}, []string{"target"}, true},
		{"utilization 0", platform.ScalingPolicy{TargetUtilizationPercent: i64(0)}, []string{"target_utilization_percent"}, true},
		{"utilization 101", platform.ScalingPolicy{TargetUtilizationPercent: i64(101)}, []string{"target_utilization_percent"}, true},
		{"retention too long", platform.ScalingPolicy{ScaleToZeroAfter: "2h"}, []string{"scale_to_zero_after"}, true},
		{"retention not a duration", platform.ScalingPolicy{ScaleToZeroAfter: "soon"}, []string{"scale_to_zero_after"}, true},
		{"hpa cannot scale to zero", platform.ScalingPolicy{Metric: "cpu", MinReplicas: i64(0)}, []string{"min_replicas"}, false},
		{"retention without zero", platform.ScalingPolicy{MinReplicas: i64(1), ScaleToZeroAfter: "5m"}, []string{"scale_to_zero_after"}, false},
		{"retention with the default minimum", platform.ScalingPolicy{ScaleToZeroAfter: "5m"}, nil, false},
		{"retention with hpa", platform.ScalingPolicy{Metric: "memory", ScaleToZeroAfter: "5m"}, []string{"scale_to_zero_after"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			p.Function = id
			probs, err := d.CheckScalingPolicy(ctx, &p, false)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, pr := range probs {
				got = append(got, pr.Attribute.String())
				if pr.Platform != "Knative knative-serving" || pr.Reason == "" {
					t.Errorf("problem %+v", pr)
				}
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Fatalf("attributes %v, want %v (%v)", got, c.want, probs)
			}
			// Conformance with the webhook: write the annotations out of band... through
			// the API, as a dry run, so the simulated webhook judges them.
			u, _ := sim.Get(k8ssim.ServicesGVR, "default", "scaled")
			setPolicy(u.Object, &p)
			_, werr := d.dyn.Resource(servicesGVR).Namespace("default").Update(ctx, u, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}})
			switch {
			case len(c.want) == 0 && werr != nil:
				t.Errorf("the check accepts it but the webhook rejects it: %v", werr)
			case c.webhook && werr == nil:
				t.Errorf("the webhook accepts what the check rejects as a webhook rule")
			}
		})
	}
}

func TestScalingLifecycle(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{ReadyAfterPolls: 1})
	ctx := context.Background()
	fn := sampleFunction("scaled")
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	waitReady(t, d, fn.ID)
	if _, err := d.ReadScalingPolicy(ctx, fn.ID); !errors.Is(err, platform.ErrNotFound) {
		t.Fatalf("no policy yet: %v", err)
	}
	// Someone tuned the panic window by hand; the policy does not own that key.
	if err := sim.Modify(k8ssim.ServicesGVR, "default", "scaled", func(u *unstructured.Unstructured) {
		_ = unstructured.SetNestedField(u.Object, "200", "spec", "template", "metadata", "annotations", "autoscaling.knative.dev/panic-threshold-percentage")
		// The policy record versions before 0.1.0 kept: no policy by itself, and removed
		// by the next write of a policy.
		_ = unstructured.SetNestedField(u.Object, `{"scaleToZero":true}`, "metadata", "annotations", ScalingAnnotation)
	}); err != nil {
		t.Fatal(err)
	}
	waitReady(t, d, fn.ID)
	if _, err := d.ReadScalingPolicy(ctx, fn.ID); !errors.Is(err, platform.ErrNotFound) {
		t.Fatalf("an old record alone read as a policy: %v", err)
	}
	p := &platform.ScalingPolicy{Function: fn.ID, MaxReplicas: i64(10), Metric: "concurrency", Target: i64(50), MinReplicas: i64(0), ScaleToZeroAfter: "90s"}
	probs, err := d.CheckScalingPolicy(ctx, p, true)
	if err != nil || len(probs) != 0 {
		t.Fatalf("check: %v %v", probs, err)
	}
	got, err := d.ApplyScalingPolicy(ctx, p, true)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Errorf("apply returned %+v, want %+v", got, p)
	}
	u := storedService(t, sim, "scaled")
	want := map[string]string{
		"autoscaling.knative.dev/class": "kpa.autoscaling.knative.dev", "autoscaling.knative.dev/metric": "concurrency",
		"autoscaling.knative.dev/target": "50", "autoscaling.knative.dev/min-scale": "0", "autoscaling.knative.dev/max-scale": "10",
		"autoscaling.knative.dev/scale-to-zero-pod-retention-period": "90s", "autoscaling.knative.dev/panic-threshold-percentage": "200",
	}
	if tann := templateAnnotations(u.Object); !reflect.DeepEqual(tann, want) {
		t.Errorf("template annotations\n %v\nwant\n %v", tann, want)
	}
	if u.GetAnnotations()["autoscaling.knative.dev/min-scale"] != "" {
		t.Error("autoscaling annotation on the Service's metadata")
	}
	if _, ok := u.GetAnnotations()[ScalingAnnotation]; ok {
		t.Error("the record of an older version survived a write of the policy")
	}
	// The apply waited for the new Revision.
	if st, _, _ := unstructured.NestedString(u.Object, "status", "latestReadyRevisionName"); st != "scaled-00003" {
		t.Errorf("apply returned before revision 3 was ready: %q", st)
	}
	read, err := d.ReadScalingPolicy(ctx, fn.ID)
	if err != nil || !reflect.DeepEqual(read, p) {
		t.Errorf("read %+v, %v", read, err)
	}
	// The function still reads the same, and its update keeps the policy.
	if f, _ := d.ReadFunction(ctx, fn.ID); !reflect.DeepEqual(withoutStatus(f), withoutStatus(normalized(fn))) {
		t.Errorf("the policy leaked into the function: %+v", f)
	}
	fn.Image = "ghcr.io/acme/scaled:2"
	if _, err := d.UpdateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	if read, _ := d.ReadScalingPolicy(ctx, fn.ID); !reflect.DeepEqual(read, p) {
		t.Errorf("function update lost the policy: %+v", read)
	}
	// A second policy is refused at plan time and at apply.
	other := &platform.ScalingPolicy{Function: fn.ID, MinReplicas: i64(1)}
	probs, err = d.CheckScalingPolicy(ctx, other, true)
	if err != nil || len(probs) != 1 || probs[0].Attribute.String() != "function_id" || !strings.Contains(probs[0].Instead, "terraform import") {
		t.Errorf("check of a second policy: %v %v", probs, err)
	}
	if _, err := d.ApplyScalingPolicy(ctx, other, true); !errors.Is(err, platform.ErrConflict) {
		t.Errorf("apply of a second policy: %v", err)
	}
	// Update: min 2, HPA on cpu.
	p2 := &platform.ScalingPolicy{Function: fn.ID, MinReplicas: i64(2), MaxReplicas: i64(4), Metric: "cpu", Target: i64(75)}
	if got, err := d.ApplyScalingPolicy(ctx, p2, false); err != nil || !reflect.DeepEqual(got, p2) {
		t.Fatalf("update: %+v %v", got, err)
	}
	tann := templateAnnotations(storedService(t, sim, "scaled").Object)
	if tann["autoscaling.knative.dev/class"] != "hpa.autoscaling.knative.dev" || tann["autoscaling.knative.dev/scale-to-zero-pod-retention-period"] != "" {
		t.Errorf("update annotations %v", tann)
	}
	// Re-applying the same policy writes nothing.
	sim.ResetRequests()
	if _, err := d.ApplyScalingPolicy(ctx, p2, false); err != nil {
		t.Fatal(err)
	}
	if w := sim.Writes(); len(w) != 0 {
		t.Errorf("no-op apply wrote %v", w)
	}
	// Drift: someone changes max-scale by hand; the read shows it.
	if err := sim.Modify(k8ssim.ServicesGVR, "default", "scaled", func(u *unstructured.Unstructured) {
		_ = unstructured.SetNestedField(u.Object, "9", "spec", "template", "metadata", "annotations", "autoscaling.knative.dev/max-scale")
	}); err != nil {
		t.Fatal(err)
	}
	if read, _ := d.ReadScalingPolicy(ctx, fn.ID); read.MaxReplicas == nil || *read.MaxReplicas != 9 || *read.MinReplicas != 2 {
		t.Errorf("drift hidden: %+v", read)
	}
	// Delete removes exactly the policy's keys.
	if err := d.DeleteScalingPolicy(ctx, fn.ID); err != nil {
		t.Fatal(err)
	}
	u = storedService(t, sim, "scaled")
	if tann := templateAnnotations(u.Object); !reflect.DeepEqual(tann, map[string]string{"autoscaling.knative.dev/panic-threshold-percentage": "200"}) {
		t.Errorf("after delete %v", tann)
	}
	if _, ok := u.GetAnnotations()[ScalingAnnotation]; ok {
		t.Error("record kept")
	}
	if _, err := d.ReadScalingPolicy(ctx, fn.ID); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("read after delete: %v", err)
	}
	if err := d.DeleteScalingPolicy(ctx, platform.FunctionID{Namespace: "default", Name: "gone"}); err != nil {
		t.Errorf("deleting the policy of a missing function: %v", err)
	}
	// Deleting the function removes its policy with it.
	if _, err := d.ApplyScalingPolicy(ctx, p, true); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteFunction(ctx, fn.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ReadScalingPolicy(ctx, fn.ID); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("policy of a deleted function: %v", err)
	}
}

func TestScalingPolicyReadsOutOfBandAnnotations(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	ctx := context.Background()
	fn := sampleFunction("hand")
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	if err := sim.Modify(k8ssim.ServicesGVR, "default", "hand", func(u *unstructured.Unstructured) {
		_ = unstructured.SetNestedStringMap(u.Object, map[string]string{
			"autoscaling.knative.dev/minScale": "0", "autoscaling.knative.dev/maxScale": "3",
			"autoscaling.knative.dev/metric": "rps", "autoscaling.knative.dev/target": "100",
			"autoscaling.knative.dev/scaleToZeroPodRetentionPeriod": "30s",
		}, "spec", "template", "metadata", "annotations")
	}); err != nil {
		t.Fatal(err)
	}
	got, err := d.ReadScalingPolicy(ctx, fn.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := &platform.ScalingPolicy{Function: fn.ID, MinReplicas: i64(0), MaxReplicas: i64(3), Metric: "rps", Target: i64(100), ScaleToZeroAfter: "30s"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	// Applying the same policy rewrites the legacy aliases to the current keys.
	if _, err := d.ApplyScalingPolicy(ctx, want, false); err != nil {
		t.Fatal(err)
	}
	tann := templateAnnotations(storedService(t, sim, "hand").Object)
	if _, ok := tann["autoscaling.knative.dev/minScale"]; ok || tann["autoscaling.knative.dev/min-scale"] != "0" {
		t.Errorf("aliases kept: %v", tann)
	}
	if _, ok := tann["autoscaling.knative.dev/scaleToZeroPodRetentionPeriod"]; ok || tann["autoscaling.knative.dev/scale-to-zero-pod-retention-period"] != "30s" {
		t.Errorf("retention alias kept: %v", tann)
	}
}

func TestScalingWaitSurfacesFailureAndTimeout(t *testing.T) {
	d, _ := newTestDriver(t, k8ssim.Options{ReadyAfterPolls: -1,
		FailImages: map[string]k8ssim.Failure{"ghcr.io/acme/bad:1": {Reason: "RevisionFailed", Message: "Container failed with: exec format error"}}})
	ctx := context.Background()
	slow := sampleFunction("slow")
	if _, err := d.CreateFunction(ctx, slow); err != nil {
		t.Fatal(err)
	}
	// Long enough for the write and a first status read on a loaded machine (with 100 ms
	// the deadline could pass before any status was read: "no status reported").
	tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err := d.ApplyScalingPolicy(tctx, &platform.ScalingPolicy{Function: slow.ID, MinReplicas: i64(1)}, true)
	var te *platform.TimeoutError
	if !errors.As(err, &te) || !strings.Contains(te.LastStatus, "RevisionMissing") {
		t.Fatalf("got %v", err)
	}
	bad := sampleFunction("bad")
	bad.Image = "ghcr.io/acme/bad:1"
	if _, err := d.CreateFunction(ctx, bad); err != nil {
		t.Fatal(err)
	}
	_, err = d.ApplyScalingPolicy(ctx, &platform.ScalingPolicy{Function: bad.ID, MaxReplicas: i64(2)}, true)
	var nre *platform.FailedError
	if !errors.As(err, &nre) || !strings.Contains(err.Error(), `ConfigurationsReady: RevisionFailed: Revision "bad-00002" failed with message: Container failed with: exec format error`) {
		t.Fatalf("got %v", err)
	}
}
