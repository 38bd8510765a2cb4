package knative

import (
	"context"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

// TestRunningImageDigest: the digest of a bare tag is read from the latest ready
// revision, through the cache (one list for a refresh, one GET after a write); a
// status that does not yet name the current template's revision as ready gives none;
// a registry that skips tag resolution gives none; a write of the Service makes the
// next read see the new revision and its new digest.
func TestRunningImageDigest(t *testing.T) {
	const d1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	const d2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	d, sim := newTestDriver(t, k8ssim.Options{ImageDigests: map[string]string{"ghcr.io/acme/orders:1": d1},
		SkipTagResolving: []string{"skipped.local"}})
	ctx := context.Background()
	fn := sampleFunction("orders")
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	ready := waitReady(t, d, fn.ID)
	got, err := d.RunningImageDigest(ctx, ready)
	if err != nil || got != d1 {
		t.Fatalf("RunningImageDigest = %q, %v; want %s", got, err, d1)
	}
	// A status that does not name the template's revision as ready: nothing.
	stale := *ready
	stale.Status.LatestCreatedRevision = "orders-00002"
	if got, err := d.RunningImageDigest(ctx, &stale); err != nil || got != "" {
		t.Errorf("with a newer revision not ready: %q, %v", got, err)
	}
	stale = *ready
	stale.Status.Ready = false
	if got, err := d.RunningImageDigest(ctx, &stale); err != nil || got != "" {
		t.Errorf("not ready: %q, %v", got, err)
	}
	// The tag moves and the template changes: the new revision resolves it again.
	sim.SetImageDigest("ghcr.io/acme/orders:1", d2)
	fn.Env["MODE"] = "staging"
	sim.ResetRequests()
	if _, err := d.UpdateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	ready = waitReady(t, d, fn.ID)
	if got, err := d.RunningImageDigest(ctx, ready); err != nil || got != d2 {
		t.Fatalf("after the update: %q, %v; want %s", got, err, d2)
	}
	gets, lists := 0, 0
	for _, r := range sim.Requests() {
		if strings.Contains(r.Path, "/revisions") {
			if strings.HasSuffix(r.Path, "/revisions") {
				lists++
			} else {
				gets++
			}
		}
	}
	if gets != 1 || lists != 0 {
		t.Errorf("after a write the revision was read with %d GETs and %d lists, want one GET", gets, lists)
	}
	// A registry Knative does not resolve: no digest.
	skipped := sampleFunction("skipped")
	skipped.Image = "skipped.local/acme/x:1"
	if _, err := d.CreateFunction(ctx, skipped); err != nil {
		t.Fatal(err)
	}
	if got, err := d.RunningImageDigest(ctx, waitReady(t, d, skipped.ID)); err != nil || got != "" {
		t.Errorf("skipped registry: %q, %v", got, err)
	}
}

// TestNewRevision: only a change of the revision template makes a new revision.
func TestNewRevision(t *testing.T) {
	d, _ := newTestDriver(t, k8ssim.Options{})
	prior := sampleFunction("f")
	for _, c := range []struct {
		name   string
		change func(*platform.Function)
		want   bool
	}{
		{"nothing", func(*platform.Function) {}, false},
		{"labels", func(f *platform.Function) { f.Labels = map[string]string{"team": "b"} }, false},
		{"annotations", func(f *platform.Function) { f.Annotations = nil }, false},
		{"image", func(f *platform.Function) { f.Image = "ghcr.io/acme/f:2" }, true},
		{"env", func(f *platform.Function) { f.Env = map[string]string{"MODE": "x"} }, true},
		{"timeout", func(f *platform.Function) { f.Timeout = "60s" }, true},
		{"revision name", func(f *platform.Function) { f.RevisionName = "f-v2" }, true},
	} {
		next := *prior
		c.change(&next)
		if got := d.NewRevision(prior, &next); got != c.want {
			t.Errorf("%s: NewRevision = %t, want %t", c.name, got, c.want)
		}
	}
}

// TestRevisionDigest: the user container's entry is the one named user-container, else
// the only one; the digest is what follows the last "@"; a status that records none, or
// that does not decode, gives none.
func TestRevisionDigest(t *testing.T) {
	const ref = "ghcr.io/acme/f@sha256:1111"
	status := func(cs ...map[string]any) map[string]any {
		l := make([]any, len(cs))
		for i, c := range cs {
			l[i] = c
		}
		return map[string]any{"containerStatuses": l}
	}
	for name, c := range map[string]struct {
		status any
		want   string
	}{
		"user-container among several":  {status(map[string]any{"name": "sidecar", "imageDigest": "x@sha256:2222"}, map[string]any{"name": "user-container", "imageDigest": ref}), "sha256:1111"},
		"the only one, named otherwise": {status(map[string]any{"name": "app", "imageDigest": ref}), "sha256:1111"},
		"several, none user-container":  {status(map[string]any{"name": "a", "imageDigest": ref}, map[string]any{"name": "b", "imageDigest": ref}), ""},
		"no digest recorded":            {status(map[string]any{"name": "user-container"}), ""},
		"no @ in the reference":         {status(map[string]any{"name": "user-container", "imageDigest": "sha256:1111"}), ""},
		"no status":                     {nil, ""},
		"a status that does not decode": {map[string]any{"containerStatuses": "none"}, ""},
	} {
		u := &unstructured.Unstructured{Object: map[string]any{"kind": "Revision"}}
		if c.status != nil {
			u.Object["status"] = c.status
		}
		if got := revisionDigest(u); got != c.want {
			t.Errorf("%s: %q, want %q", name, got, c.want)
		}
	}
}
