package provider

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// deleteAfterSeen deletes a function out of band once its readiness polls have returned
// it three times (the function was seen), and then counts the reads answered 404.
type deleteAfterSeen struct {
	armed   atomic.Bool
	seen    atomic.Int32
	missing atomic.Int32
	deleted atomic.Bool
}

// observe is the simulator's OnRequest hook for reads of one object at path; del deletes it.
func (w *deleteAfterSeen) observe(method, path, want string, status int, del func()) {
	if !w.armed.Load() || method != "GET" || path != want {
		return
	}
	switch {
	case status == 200 && w.seen.Add(1) == 3:
		del()
		w.deleted.Store(true)
	case status == 404 && w.deleted.Load():
		w.missing.Add(1)
	}
}

// checkMissingReads asserts the wait stopped after platform.GoneAfter reads answered 404,
// instead of polling until its timeout.
func (w *deleteAfterSeen) checkMissingReads(t *testing.T) {
	t.Helper()
	if !w.deleted.Load() {
		t.Fatal("the function was never deleted: the wait did not poll it three times")
	}
	if got := w.missing.Load(); got != platform.GoneAfter {
		t.Errorf("the wait read the deleted function %d times, want %d", got, platform.GoneAfter)
	}
}

// TestAccFunction_deletedDuringWaitFailsAtOnce: a function deleted out of band while its
// create, or its update, waits for readiness fails the apply as soon as it has been
// missing for two reads, naming the deletion, instead of polling 404s until the
// timeout (10 minutes by default; 5 here would fail the test). The next apply creates
// it again.
func TestAccFunction_deletedDuringWaitFailsAtOnce(t *testing.T) {
	w := &deleteAfterSeen{}
	var sim *simPlatform
	sim = newSim(t, openfaassim.Options{ReadyAfterPolls: -1, OnRequest: func(r openfaassim.Request) {
		w.observe(r.Method, r.Path, "/system/function/vanish", r.Status, func() { sim.DeleteFunction(ns, "vanish") })
	}}, "deletes a function during a readiness wait it controls")
	cfg := func(image string) string {
		return providerBlock(sim, "") + fmt.Sprintf(`
resource "faas_function" "f" {
  name  = "vanish"
  image = %q
  timeouts {
    create = "5m"
    update = "5m"
  }
}
`, image)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { w.armed.Store(true) },
				Config:      cfg("ghcr.io/acme/vanish:1"),
				ExpectError: errRe(`Function openfaas-fn/vanish was deleted while it was being created.*function openfaas-fn/vanish was deleted while waiting for it to be ready: the platform returned it, then answered "not found" 2 times in a row`),
			},
			{
				PreConfig: func() {
					w.checkMissingReads(t)
					w.armed.Store(false)
					sim.SetReadyAfterPolls(0)
				},
				Config: cfg("ghcr.io/acme/vanish:1"),
				Check:  checkFunc(sim, "vanish", func(openfaassim.Function) error { return nil }),
			},
			{
				// The same during an update's wait.
				PreConfig: func() {
					*w = deleteAfterSeen{}
					w.armed.Store(true)
					sim.SetReadyAfterPolls(-1)
				},
				Config:      cfg("ghcr.io/acme/vanish:2"),
				ExpectError: errRe(`Function openfaas-fn/vanish was deleted while it was being updated.*answered "not found" 2 times in a row`),
			},
			{
				PreConfig: func() {
					w.checkMissingReads(t)
					w.armed.Store(false)
					sim.SetReadyAfterPolls(0)
				},
				Config: cfg("ghcr.io/acme/vanish:2"),
				Check: checkFunc(sim, "vanish", func(fn openfaassim.Function) error {
					if fn.Image != "ghcr.io/acme/vanish:2" {
						return fmt.Errorf("image %q", fn.Image)
					}
					return nil
				}),
			},
		},
	})
}

// TestAccKnative_deletedDuringWaitFailsAtOnce: the same on Knative.
func TestAccKnative_deletedDuringWaitFailsAtOnce(t *testing.T) {
	w := &deleteAfterSeen{}
	const path = "/apis/serving.knative.dev/v1/namespaces/default/services/vanish"
	var sim *k8ssim.Server
	sim = newKube(t, k8ssim.Options{ReadyAfterPolls: -1, OnRequest: func(r k8ssim.Request) {
		w.observe(r.Method, r.Path, path, r.Status, func() { sim.Delete(k8ssim.ServicesGVR, "default", "vanish") })
	}})
	cfg := knativeBlock(sim, "") + `
resource "faas_function" "f" {
  name  = "vanish"
  image = "ghcr.io/acme/vanish:1"
  timeouts {
    create = "5m"
  }
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { w.armed.Store(true) },
				Config:      cfg,
				ExpectError: errRe(`Function default/vanish was deleted while it was being created.*answered "not found" 2 times in a row`),
			},
			{
				// The refresh drops the deleted function: the plan creates it again.
				PreConfig:          func() { w.checkMissingReads(t); w.armed.Store(false) },
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
}
