package openfaas

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// TestCreateToleratesAnInformerLag: faas-netes answers reads from an informer cache, so
// the read right after an accepted create may answer 404. The create succeeded: it
// returns what was sent, not ready, and the readiness wait takes over.
func TestCreateToleratesAnInformerLag(t *testing.T) {
	d, sim := newTestDriver(t, openfaassim.Options{Edition: openfaassim.Pro})
	defer func(d time.Duration) { visibleWithin = d }(visibleWithin)
	visibleWithin = time.Second
	sim.SetFaults(openfaassim.Faults{PersistentStatus: 404, PersistentMessage: `deployments.apps "lag" not found`,
		Only: func(method, path string) bool { return method == "GET" && path == "/system/function/lag" }})
	got, err := d.CreateFunction(context.Background(), sampleFunction("lag"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Status.Ready || got.Image != "ghcr.io/acme/lag:1" || got.Status.InvokeURL == "" {
		t.Fatalf("got %+v", got)
	}
	if _, ok := sim.GetFunction(DefaultNamespace, "lag"); !ok {
		t.Fatal("not created")
	}
}

// TestChildWaitEndsWhenTheFunctionIsDeleted: a child's write rolls the function out; a
// function deleted during that rollout ends the wait at once with a
// *platform.DeletedError (a write), or with success (a removal: the keys are gone too).
func TestChildWaitEndsWhenTheFunctionIsDeleted(t *testing.T) {
	var armed atomic.Bool
	var sim *openfaassim.Server
	var d *Driver
	var reads atomic.Int32
	d, sim = newTestDriver(t, openfaassim.Options{Edition: openfaassim.Pro, OnRequest: func(r openfaassim.Request) {
		if armed.Load() && r.Method == "GET" && r.Path == "/system/function/f" && r.Status == 200 && reads.Add(1) == 2 {
			sim.DeleteFunction(DefaultNamespace, "f")
		}
	}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id := platform.FunctionID{Namespace: DefaultNamespace, Name: "f"}
	for _, remove := range []bool{false, true} {
		sim.SetReadyAfterPolls(0)
		if _, err := d.CreateFunction(ctx, sampleFunction("f")); err != nil {
			t.Fatal(err)
		}
		maxReplicas := int64(3)
		if remove {
			if _, err := d.ApplyScalingPolicy(ctx, &platform.ScalingPolicy{Function: id, MaxReplicas: &maxReplicas}, true); err != nil {
				t.Fatal(err)
			}
		}
		sim.SetReadyAfterPolls(-1)
		reads.Store(0)
		armed.Store(true)
		var err error
		if remove {
			err = d.DeleteScalingPolicy(ctx, id)
		} else {
			_, err = d.ApplyScalingPolicy(ctx, &platform.ScalingPolicy{Function: id, MaxReplicas: &maxReplicas}, true)
		}
		armed.Store(false)
		var deleted *platform.DeletedError
		switch {
		case remove && err != nil:
			t.Fatalf("removal from a deleted function: %v", err)
		case !remove && !errors.As(err, &deleted):
			t.Fatalf("write: %v, want a DeletedError", err)
		}
	}
}
