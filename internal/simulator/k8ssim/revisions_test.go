package k8ssim

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestRevisionsRecordTheResolvedDigest: each template change creates a Revision named
// as latestCreatedRevisionName, whose status records the image its tag resolved to when
// it was created (<repository>@<digest>); a tag moved later changes only the revisions
// created after; an image pinned by digest is recorded as written; a registry that
// skips tag resolution records none; deleting the Service removes its revisions.
func TestRevisionsRecordTheResolvedDigest(t *testing.T) {
	const d1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	const d2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	s, dc := newSim(t, Options{ImageDigests: map[string]string{"127.0.0.1:5000/acme/orders:1.4.2": d1},
		SkipTagResolving: []string{"skipped.local"}})
	ctx := context.Background()
	revs := dc.Resource(RevisionsGVR).Namespace("default")
	digestOf := func(name string) (string, bool) {
		t.Helper()
		u, err := revs.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("revision %s: %v", name, err)
		}
		cs, _, _ := unstructured.NestedSlice(u.Object, "status", "containerStatuses")
		if len(cs) != 1 {
			t.Fatalf("revision %s: containerStatuses %v", name, cs)
		}
		c, _ := cs[0].(map[string]any)
		if c["name"] != userContainerName {
			t.Errorf("revision %s: container status name %v", name, c["name"])
		}
		d, ok := c["imageDigest"].(string)
		return d, ok
	}
	_, err := dc.Resource(ServicesGVR).Namespace("default").Create(ctx, ksvc("orders", "127.0.0.1:5000/acme/orders:1.4.2"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := digestOf("orders-00001"); got != "127.0.0.1:5000/acme/orders@"+d1 {
		t.Errorf("orders-00001 records %q", got)
	}
	// The tag moves: the running revision keeps its digest, the next one resolves again.
	s.SetImageDigest("127.0.0.1:5000/acme/orders:1.4.2", d2)
	if got := s.ImageDigest("127.0.0.1:5000/acme/orders:1.4.2"); got != d2 {
		t.Errorf("ImageDigest %q", got)
	}
	svc, _ := dc.Resource(ServicesGVR).Namespace("default").Get(ctx, "orders", metav1.GetOptions{})
	_ = unstructured.SetNestedStringMap(svc.Object, map[string]string{"team": "a"}, "spec", "template", "metadata", "labels")
	if _, err := dc.Resource(ServicesGVR).Namespace("default").Update(ctx, svc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := digestOf("orders-00001"); got != "127.0.0.1:5000/acme/orders@"+d1 {
		t.Errorf("orders-00001 now records %q", got)
	}
	if got, _ := digestOf("orders-00002"); got != "127.0.0.1:5000/acme/orders@"+d2 {
		t.Errorf("orders-00002 records %q", got)
	}
	svc, _ = dc.Resource(ServicesGVR).Namespace("default").Get(ctx, "orders", metav1.GetOptions{})
	if got, _, _ := unstructured.NestedString(svc.Object, "status", "latestCreatedRevisionName"); got != "orders-00002" {
		t.Errorf("latestCreatedRevisionName %q", got)
	}
	// A pinned digest is kept as written; a skipped registry records nothing.
	for name, image := range map[string]string{"pinned": "ghcr.io/acme/x:1@" + d1, "skipped": "skipped.local/acme/x:1"} {
		if _, err := dc.Resource(ServicesGVR).Namespace("default").Create(ctx, ksvc(name, image), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := digestOf("pinned-00001"); got != "ghcr.io/acme/x:1@"+d1 {
		t.Errorf("pinned-00001 records %q", got)
	}
	if got, ok := digestOf("skipped-00001"); ok {
		t.Errorf("skipped-00001 records %q, want no imageDigest", got)
	}
	list, err := revs.List(ctx, metav1.ListOptions{LabelSelector: "serving.knative.dev/service=orders"})
	if err != nil || len(list.Items) != 2 {
		t.Fatalf("revisions of orders: %v, %v", list, err)
	}
	if err := dc.Resource(ServicesGVR).Namespace("default").Delete(ctx, "orders", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := revs.Get(ctx, "orders-00001", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("a revision of the deleted Service: %v", err)
	}
}
