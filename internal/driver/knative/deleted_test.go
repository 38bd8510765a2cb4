package knative

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

// TestWaitsEndWhenTheObjectIsDeleted: the driver's own readiness waits (a function after
// a scaling policy write, a PingSource after its create) end with a
// *platform.DeletedError once the object they just wrote is no longer returned, instead
// of running to their deadline.
func TestWaitsEndWhenTheObjectIsDeleted(t *testing.T) {
	var target atomic.Value // the path whose second successful read deletes it
	target.Store("")
	var reads atomic.Int32
	var sim *k8ssim.Server
	var d *Driver
	d, sim = newTestDriver(t, k8ssim.Options{ReadyAfterPolls: -1, OnRequest: func(r k8ssim.Request) {
		if p, _ := target.Load().(string); p != "" && r.Method == "GET" && r.Path == p && r.Status == 200 && reads.Add(1) == 2 {
			parts := strings.Split(p, "/")
			gvr := k8ssim.ServicesGVR
			if strings.Contains(p, "/pingsources/") {
				gvr = k8ssim.PingSourcesGVR
			}
			sim.Delete(gvr, "default", parts[len(parts)-1])
		}
	}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := d.CreateFunction(ctx, sampleFunction("f")); err != nil {
		t.Fatal(err)
	}
	fn := platform.FunctionID{Namespace: "default", Name: "f"}
	target.Store("/apis/sources.knative.dev/v1/namespaces/default/pingsources/f-cron")
	_, err := d.CreateTrigger(ctx, &platform.Trigger{Function: fn, Type: platform.TriggerCron, Schedule: "@hourly"})
	var deleted *platform.DeletedError
	if !errors.As(err, &deleted) || !strings.Contains(err.Error(), "PingSource default/f-cron was deleted while waiting") {
		t.Fatalf("trigger: %v", err)
	}
	reads.Store(0)
	target.Store("/apis/serving.knative.dev/v1/namespaces/default/services/f")
	if _, err := d.WaitReady(ctx, fn); !errors.As(err, &deleted) || !strings.Contains(err.Error(), "function default/f was deleted") {
		t.Fatalf("function: %v", err)
	}
}
