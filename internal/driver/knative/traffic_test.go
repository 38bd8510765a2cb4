package knative

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"knative.dev/pkg/apis"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

// TestRevisionNames: revision_name is the template's metadata.name, read back with the
// revisions Knative reports; the prefix rule is checked at plan; removing it lets
// Knative name revisions again.
func TestRevisionNames(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	ctx := context.Background()
	fn := sampleFunction("shop")
	fn.RevisionName = "shop-v1"
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	got := waitReady(t, d, fn.ID)
	if got.RevisionName != "shop-v1" || got.Status.LatestReadyRevision != "shop-v1" || got.Status.LatestCreatedRevision != "shop-v1" {
		t.Fatalf("revision %q, latest ready %q, latest created %q", got.RevisionName, got.Status.LatestReadyRevision, got.Status.LatestCreatedRevision)
	}
	// A template change that keeps the name is refused by Knative.
	fn.Image = "ghcr.io/acme/shop:2"
	if _, err := d.UpdateFunction(ctx, fn); err == nil || !strings.Contains(err.Error(), "without a name change") {
		t.Fatalf("update keeping the revision name: %v", err)
	}
	fn.RevisionName = ""
	if _, err := d.UpdateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	if name, ok, _ := unstructured.NestedString(storedService(t, sim, "shop").Object, "spec", "template", "metadata", "name"); ok {
		t.Fatalf("revision name %q left in the template", name)
	}
	if got := waitReady(t, d, fn.ID); got.RevisionName != "" || got.Status.LatestReadyRevision != "shop-00002" {
		t.Fatalf("after removing revision_name: %q, latest ready %q", got.RevisionName, got.Status.LatestReadyRevision)
	}
	for name, want := range map[string]bool{"shop-v2": false, "v2": true, "shop-V2": true, "cart-v2": true} {
		probs, err := d.CheckFunction(ctx, &platform.Function{ID: fn.ID, Image: "x", RevisionName: name})
		if err != nil {
			t.Fatal(err)
		}
		if (len(probs) > 0) != want || (want && probs[0].Attribute.String() != "revision_name") {
			t.Errorf("revision_name %q: %v", name, probs)
		}
	}
}

// TestTrafficSplitLifecycle: apply, read back with tag URLs, the function's writes leave
// spec.traffic alone, a missing revision restores the previous traffic, delete gives
// everything back to the latest revision.
func TestTrafficSplitLifecycle(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	ctx := context.Background()
	fn := sampleFunction("shop")
	fn.RevisionName = "shop-v1"
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	waitReady(t, d, fn.ID)
	if _, err := d.ReadTrafficSplit(ctx, fn.ID); !errors.Is(err, platform.ErrNotFound) {
		t.Fatalf("a Service with Knative's default traffic has no split: %v", err)
	}
	fn.Image, fn.RevisionName = "ghcr.io/acme/shop:2", "shop-v2"
	if _, err := d.UpdateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	waitReady(t, d, fn.ID)
	split := &platform.TrafficSplit{Function: fn.ID, Targets: []platform.TrafficTarget{
		{RevisionName: "shop-v1", Percent: 90},
		{RevisionName: "shop-v2", Percent: 10, Tag: "canary"},
	}}
	got, err := d.ApplyTrafficSplit(ctx, split, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []platform.TrafficTarget{
		{RevisionName: "shop-v1", Percent: 90},
		{RevisionName: "shop-v2", Percent: 10, Tag: "canary", URL: "http://canary-shop.default.example.com"},
	}
	if !reflect.DeepEqual(got.Targets, want) {
		t.Fatalf("applied %+v, want %+v", got.Targets, want)
	}
	if read, err := d.ReadTrafficSplit(ctx, fn.ID); err != nil || !reflect.DeepEqual(read.Targets, want) {
		t.Fatalf("read %+v, %v", read, err)
	}

	// The function's own writes keep the split.
	fn.Labels = map[string]string{"team": "checkout"}
	if _, err := d.UpdateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	tr, _, _ := unstructured.NestedSlice(storedService(t, sim, "shop").Object, "spec", "traffic")
	if len(tr) != 2 {
		t.Fatalf("the function's update changed spec.traffic: %v", tr)
	}

	// A revision that does not exist: Knative's reason, and the previous traffic back.
	_, err = d.ApplyTrafficSplit(ctx, &platform.TrafficSplit{Function: fn.ID, Targets: []platform.TrafficTarget{{RevisionName: "shop-v9", Percent: 100}}}, false)
	var missing *MissingRevisionError
	if !errors.As(err, &missing) || !strings.Contains(err.Error(), `Revision "shop-v9" referenced in traffic not found`) {
		t.Fatalf("missing revision: %v", err)
	}
	if after, _, _ := unstructured.NestedSlice(storedService(t, sim, "shop").Object, "spec", "traffic"); !reflect.DeepEqual(after, tr) {
		t.Fatalf("spec.traffic after the refused split: %v, want %v", after, tr)
	}

	if err := d.DeleteTrafficSplit(ctx, fn.ID); err != nil {
		t.Fatal(err)
	}
	svc := storedService(t, sim, "shop")
	tr, _, _ = unstructured.NestedSlice(svc.Object, "spec", "traffic")
	if !reflect.DeepEqual(tr, []any{map[string]any{"latestRevision": true, "percent": int64(100)}}) {
		t.Fatalf("spec.traffic after delete: %v", tr)
	}
	if _, ok := svc.GetAnnotations()[TrafficAnnotation]; ok {
		t.Fatal("marker left after delete")
	}
	if err := d.DeleteTrafficSplit(ctx, platform.FunctionID{Namespace: "default", Name: "gone"}); err != nil {
		t.Fatalf("delete on a missing function: %v", err)
	}
}

func TestTrafficRouted(t *testing.T) {
	yes, no := true, false
	p := func(v int64) *int64 { return &v }
	spec := []servingv1.TrafficTarget{{RevisionName: "a-1", LatestRevision: &no, Percent: p(50)}, {LatestRevision: &yes, Percent: p(50), Tag: "t"}}
	cases := []struct {
		name   string
		status []servingv1.TrafficTarget
		want   bool
	}{
		{"same", []servingv1.TrafficTarget{{RevisionName: "a-1", LatestRevision: &no, Percent: p(50)}, {RevisionName: "a-2", LatestRevision: &yes, Percent: p(50), Tag: "t", URL: apis.HTTP("t-a")}}, true},
		{"old percent", []servingv1.TrafficTarget{{RevisionName: "a-1", LatestRevision: &no, Percent: p(100)}}, false},
		{"other revision", []servingv1.TrafficTarget{{RevisionName: "a-0", LatestRevision: &no, Percent: p(50)}, {RevisionName: "a-2", LatestRevision: &yes, Percent: p(50), Tag: "t"}}, false},
		{"no tag yet", []servingv1.TrafficTarget{{RevisionName: "a-1", LatestRevision: &no, Percent: p(50)}, {RevisionName: "a-2", LatestRevision: &yes, Percent: p(50)}}, false},
	}
	for _, c := range cases {
		if got := trafficRouted(spec, c.status); got != c.want {
			t.Errorf("%s: %v", c.name, got)
		}
	}
	// Knative's defaults: a target without latestRevision is the latest revision when it
	// names none, and one without percent has 0.
	if !trafficRouted([]servingv1.TrafficTarget{{Percent: p(100)}, {RevisionName: "a-1", Tag: "old"}},
		[]servingv1.TrafficTarget{{RevisionName: "a-2", LatestRevision: &yes, Percent: p(100)}, {RevisionName: "a-1", Tag: "old", Percent: p(0)}}) {
		t.Error("defaults: not routed")
	}
	if !isDefaultTraffic(nil) || !isDefaultTraffic([]servingv1.TrafficTarget{{Percent: p(100)}}) || isDefaultTraffic(spec) ||
		isDefaultTraffic([]servingv1.TrafficTarget{{RevisionName: "a-1", Percent: p(100)}}) {
		t.Error("isDefaultTraffic")
	}
}

// TestTrafficSpec: spec.traffic as written, latestRevision and percent always set (so
// that Knative's defaulting changes nothing), revisionName only for a named revision,
// tag only when set.
func TestTrafficSpec(t *testing.T) {
	got := trafficSpec(&platform.TrafficSplit{Targets: []platform.TrafficTarget{
		{RevisionName: "a-1", Percent: 0}, {RevisionName: "a-2", Percent: 40, Tag: "canary"}, {LatestRevision: true, Percent: 60}}})
	want := []any{
		map[string]any{"latestRevision": false, "percent": int64(0), "revisionName": "a-1"},
		map[string]any{"latestRevision": false, "percent": int64(40), "revisionName": "a-2", "tag": "canary"},
		map[string]any{"latestRevision": true, "percent": int64(60)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("trafficSpec = %#v, want %#v", got, want)
	}
}
