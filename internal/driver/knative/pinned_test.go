package knative

import (
	"context"
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"knative.dev/serving/pkg/apis/autoscaling"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

// TestPinnedRevisionAndPolicy: a function that pins its revision name
// (spec.template.metadata.name) cannot take a scaling policy write, because Knative
// refuses every change of the template that keeps the name, and the policy's keys are
// template annotations. The driver says so, naming revision_name and
// faas_scaling_policy, and sends nothing: no PUT reaches the API server. The plan-time
// check reports it too, and a delete leaves the keys with a *platform.KeysRemainError
// instead of failing on the webhook (a destroy of the whole configuration would fail).
func TestPinnedRevisionAndPolicy(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	ctx := context.Background()
	fn := sampleFunction("pin")
	fn.RevisionName = "pin-v1"
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	waitReady(t, d, fn.ID)

	probs, err := d.CheckScalingPolicyWrite(ctx, fn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 || probs[0].Attribute.String() != "function_id" || !probs[0].Conflict ||
		!strings.Contains(probs[0].Error(), "revision_name") || !strings.Contains(probs[0].Error(), "pin-v1") {
		t.Errorf("plan-time findings %v", probs)
	}

	puts := countPuts(sim, "/services/pin")
	p := &platform.ScalingPolicy{Function: fn.ID, MinReplicas: i64(1), MaxReplicas: i64(3)}
	_, err = d.ApplyScalingPolicy(ctx, p, true)
	if err == nil {
		t.Fatal("a policy was written into a template that pins its revision name")
	}
	for _, want := range []string{"revision_name", "faas_scaling_policy", `"pin-v1"`, "Nothing was written"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if !errors.Is(err, platform.ErrUnsupported) {
		t.Errorf("error %v is not ErrUnsupported", err)
	}
	if n := countPuts(sim, "/services/pin"); n != puts {
		t.Errorf("%d PUT requests were sent", n-puts)
	}
	if policyPresent(storedService(t, sim, "pin").Object) {
		t.Error("the Service carries a policy")
	}

	// Unpinned, the same policy is written.
	fn.RevisionName = ""
	if _, err := d.UpdateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	waitReady(t, d, fn.ID)
	if probs, err := d.CheckScalingPolicyWrite(ctx, fn.ID); err != nil || len(probs) != 0 {
		t.Fatalf("unpinned: findings %v, %v", probs, err)
	}
	if _, err := d.ApplyScalingPolicy(ctx, p, true); err != nil {
		t.Fatal(err)
	}

	// Pinned again (the function keeps the policy's keys), the policy can be neither
	// changed nor removed; an apply that changes nothing is not refused.
	fn.RevisionName = "pin-v2"
	if _, err := d.UpdateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	waitReady(t, d, fn.ID)
	if _, err := d.ApplyScalingPolicy(ctx, p, false); err != nil {
		t.Errorf("an unchanged policy was refused: %v", err)
	}
	puts = countPuts(sim, "/services/pin")
	changed := *p
	changed.MaxReplicas = i64(5)
	if _, err := d.ApplyScalingPolicy(ctx, &changed, false); err == nil || !strings.Contains(err.Error(), "revision_name") {
		t.Errorf("changing the policy of a pinned function: %v", err)
	}
	err = d.DeleteScalingPolicy(ctx, fn.ID)
	var kr *platform.KeysRemainError
	if !errors.As(err, &kr) || len(kr.Keys) == 0 || !strings.Contains(err.Error(), "revision_name") {
		t.Errorf("deleting the policy of a pinned function: %v", err)
	}
	if n := countPuts(sim, "/services/pin"); n != puts {
		t.Errorf("%d PUT requests were sent", n-puts)
	}
	if got, _, _ := unstructured.NestedString(storedService(t, sim, "pin").Object, "spec", "template", "metadata", "annotations", autoscaling.MaxScaleAnnotationKey); got != "3" {
		t.Errorf("max-scale = %q, want the policy as it was", got)
	}
}
