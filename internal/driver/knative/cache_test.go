package knative

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

// requestCounts counts the simulator's requests by method and kind, with "list" for
// collection reads and "get" for reads of one object.
func requestCounts(sim *k8ssim.Server) map[string]int {
	out := map[string]int{}
	for _, r := range sim.Requests() {
		parts := strings.Split(strings.Trim(r.Path, "/"), "/")
		// /apis/{group}/{version}/namespaces/{ns}/{resource}[/{name}]
		if len(parts) < 6 || parts[0] != "apis" || parts[3] != "namespaces" {
			out[r.Method+" other"]++
			continue
		}
		what := "get"
		if len(parts) == 6 {
			what = "list"
		}
		if r.Method != http.MethodGet {
			what = strings.ToLower(r.Method)
		}
		out[what+" "+parts[5]]++
	}
	return out
}

// deployWithChildren creates a function with a scaling policy and a cron trigger.
func deployWithChildren(t *testing.T, d *Driver, name string) {
	t.Helper()
	ctx := context.Background()
	fn := sampleFunction(name)
	fn.Secrets, fn.ImagePullSecrets = nil, nil
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ApplyScalingPolicy(ctx, &platform.ScalingPolicy{Function: fn.ID, MinReplicas: ptr(int64(1)), MaxReplicas: ptr(int64(4))}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateTrigger(ctx, &platform.Trigger{Function: fn.ID, Type: platform.TriggerCron, Schedule: "*/5 * * * *"}); err != nil {
		t.Fatal(err)
	}
}

// refresh reads a function, its policy and its trigger as a refresh does.
func refresh(ctx context.Context, d *Driver, name string) (*platform.Function, *platform.ScalingPolicy, *platform.Trigger, error) {
	id := platform.FunctionID{Namespace: "default", Name: name}
	fn, err := d.ReadFunction(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	p, err := d.ReadScalingPolicy(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	tr, err := d.ReadTrigger(ctx, "default/"+name+"-cron")
	return fn, p, tr, err
}

// TestCacheRefreshListsOncePerKind: a refresh of N functions with their policies and
// triggers costs one list of Services and one of PingSources, whatever N.
func TestCacheRefreshListsOncePerKind(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	for i := range 12 {
		deployWithChildren(t, d, fmt.Sprintf("fn-%02d", i))
	}
	next := driverFor(t, sim.URL()) // the next terraform command
	ctx := context.Background()
	if _, err := next.Info(ctx); err != nil {
		t.Fatal(err)
	}
	sim.ResetRequests()
	for i := range 12 {
		if _, _, _, err := refresh(ctx, next, fmt.Sprintf("fn-%02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := next.ListFunctions(ctx, "default"); err != nil {
		t.Fatal(err)
	}
	got := requestCounts(sim)
	want := map[string]int{"list services": 1, "list pingsources": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("a refresh of 36 objects sent %v, want %v", got, want)
	}
	// A missing object is known absent from the list: no request either.
	if _, err := next.ReadFunction(ctx, platform.FunctionID{Namespace: "default", Name: "absent"}); !errors.Is(err, platform.ErrNotFound) {
		t.Fatalf("want ErrNotFound, got %v", err)
	}
	if n := len(sim.Requests()); n != 2 {
		t.Fatalf("a name absent from the cached list sent %d more requests", n-2)
	}
}

// TestCacheOutOfBandChangesBetweenRunsAreSeen: nothing survives to the next command.
func TestCacheOutOfBandChangesBetweenRunsAreSeen(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	deployWithChildren(t, d, "oob")
	ctx := context.Background()
	first := driverFor(t, sim.URL())
	if _, _, _, err := refresh(ctx, first, "oob"); err != nil {
		t.Fatal(err)
	}
	if err := sim.Modify(k8ssim.ServicesGVR, "default", "oob", func(u *unstructured.Unstructured) {
		_ = unstructured.SetNestedField(u.Object, "ghcr.io/acme/changed:9", "spec", "template", "spec", "containers", "0", "image")
		u.SetLabels(map[string]string{"hand": "made"})
		_ = unstructured.SetNestedField(u.Object, "9", "spec", "template", "metadata", "annotations", "autoscaling.knative.dev/max-scale")
	}); err != nil {
		t.Fatal(err)
	}
	if err := sim.Modify(k8ssim.PingSourcesGVR, "default", "oob-cron", func(u *unstructured.Unstructured) {
		_ = unstructured.SetNestedField(u.Object, "@daily", "spec", "schedule")
	}); err != nil {
		t.Fatal(err)
	}
	fn, p, tr, err := refresh(ctx, driverFor(t, sim.URL()), "oob")
	if err != nil {
		t.Fatal(err)
	}
	if fn.Labels["hand"] != "made" || tr.Schedule != "@daily" || p.MaxReplicas == nil || *p.MaxReplicas != 9 {
		t.Fatalf("the next run missed out-of-band changes: labels %v, schedule %q, policy %+v", fn.Labels, tr.Schedule, p)
	}
	if !sim.Delete(k8ssim.ServicesGVR, "default", "oob") {
		t.Fatal("out-of-band delete failed")
	}
	if _, err := driverFor(t, sim.URL()).ReadFunction(ctx, platform.FunctionID{Namespace: "default", Name: "oob"}); !errors.Is(err, platform.ErrNotFound) {
		t.Fatalf("the next run must see the deletion, got %v", err)
	}
}

// TestCacheReadsAfterWritesSeeThem: every write through the driver invalidates what it
// wrote, for Services and child objects. (Another provider block is another process,
// which no invalidation reaches: the data sources read with platform.WithFreshReads,
// proven by TestAccRefresh_aliasedBlocksSeeEachOthersWrites.)
func TestCacheReadsAfterWritesSeeThem(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	deployWithChildren(t, d, "rw")
	ctx := context.Background()
	a := driverFor(t, sim.URL())
	id := platform.FunctionID{Namespace: "default", Name: "rw"}
	if _, _, _, err := refresh(ctx, a, "rw"); err != nil { // a caches the namespace
		t.Fatal(err)
	}
	steps := []struct {
		name  string
		write func() error
		check func(*Driver) error
	}{
		{"function update", func() error {
			fn := sampleFunction("rw")
			fn.Secrets, fn.ImagePullSecrets = nil, nil
			fn.Image = "ghcr.io/acme/rw:2"
			_, err := a.UpdateFunction(ctx, fn)
			return err
		}, func(drv *Driver) error {
			fn, err := drv.ReadFunction(ctx, id)
			if err == nil && fn.Image != "ghcr.io/acme/rw:2" {
				err = fmt.Errorf("image %q", fn.Image)
			}
			return err
		}},
		{"scaling policy update", func() error {
			_, err := a.ApplyScalingPolicy(ctx, &platform.ScalingPolicy{Function: id, MinReplicas: ptr(int64(2)), MaxReplicas: ptr(int64(6))}, false)
			return err
		}, func(drv *Driver) error {
			p, err := drv.ReadScalingPolicy(ctx, id)
			if err == nil && (p.MaxReplicas == nil || *p.MaxReplicas != 6) {
				err = fmt.Errorf("policy %+v", p)
			}
			return err
		}},
		{"trigger update", func() error {
			_, err := a.UpdateTrigger(ctx, &platform.Trigger{Function: id, Type: platform.TriggerCron, Schedule: "@hourly"})
			return err
		}, func(drv *Driver) error {
			tr, err := drv.ReadTrigger(ctx, "default/rw-cron")
			if err == nil && tr.Schedule != "@hourly" {
				err = fmt.Errorf("schedule %q", tr.Schedule)
			}
			return err
		}},
		{"trigger delete", func() error {
			return a.DeleteTrigger(ctx, &platform.Trigger{Function: id, Type: platform.TriggerCron, Name: "rw-cron"})
		}, func(drv *Driver) error {
			if _, err := drv.ReadTrigger(ctx, "default/rw-cron"); !errors.Is(err, platform.ErrNotFound) {
				return fmt.Errorf("deleted trigger still read: %v", err)
			}
			return nil
		}},
		{"function delete", func() error { return a.DeleteFunction(ctx, id) }, func(drv *Driver) error {
			if _, err := drv.ReadFunction(ctx, id); !errors.Is(err, platform.ErrNotFound) {
				return fmt.Errorf("deleted function still read: %v", err)
			}
			return nil
		}},
		{"function create", func() error {
			fn := sampleFunction("rw")
			fn.Secrets, fn.ImagePullSecrets = nil, nil
			fn.Image = "ghcr.io/acme/rw:3"
			_, err := a.CreateFunction(ctx, fn)
			return err
		}, func(drv *Driver) error {
			fns, err := drv.ListFunctions(ctx, "default")
			if err == nil && (len(fns) != 1 || fns[0].Image != "ghcr.io/acme/rw:3") {
				err = fmt.Errorf("list after create: %d functions", len(fns))
			}
			return err
		}},
	}
	for _, s := range steps {
		if err := s.write(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if err := s.check(a); err != nil {
			t.Errorf("after the %s, the driver read stale data: %v", s.name, err)
		}
	}
}

// TestCacheWaitPollsUntilReady: inside a readiness wait, a cached Service that is not
// ready is never trusted.
func TestCacheWaitPollsUntilReady(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{ReadyAfterPolls: 3})
	fn := sampleFunction("slow")
	fn.Secrets, fn.ImagePullSecrets = nil, nil
	ctx := context.Background()
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	if got, err := d.ReadFunction(ctx, fn.ID); err != nil || got.Status.Ready {
		t.Fatalf("the first read must not be ready yet: %+v %v", got, err)
	}
	if got := waitReady(t, d, fn.ID); !got.Status.Ready {
		t.Fatalf("wait returned a function that is not ready: %+v", got.Status)
	}
	sim.ResetRequests()
	if got := waitReady(t, d, fn.ID); !got.Status.Ready || len(sim.Requests()) != 0 {
		t.Fatalf("a wait for a function already read ready should answer from the cache: %d requests", len(sim.Requests()))
	}
}
