package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// TestAccChildren_waitForReady: wait_for_ready = false on faas_scaling_policy and
// faas_trigger returns as soon as the write is accepted, although the function's
// rollout never becomes ready; an import sets it to true; with true (the default) the
// same write waits and fails when its timeout runs out (issue 16 item 5).
func TestAccChildren_waitForReady(t *testing.T) {
	sim := newSim(t, openfaassim.Options{Edition: openfaassim.Pro}, "makes rollouts stop becoming ready")
	fn := `
resource "faas_function" "f" {
  name  = "nowait"
  image = "ghcr.io/acme/nowait:1"
}
`
	children := func(wait bool, maxReplicas int) string {
		return providerBlock(sim, "") + fn + fmt.Sprintf(`
resource "faas_scaling_policy" "p" {
  function_id    = faas_function.f.id
  max_replicas   = %d
  wait_for_ready = %t
  timeouts {
    create = "2s"
    update = "2s"
  }
}

resource "faas_trigger" "cron" {
  function_id    = faas_function.f.id
  type           = "cron"
  schedule       = "*/5 * * * *"
  wait_for_ready = %t
  timeouts {
    create = "2s"
  }
}
`, maxReplicas, wait, wait)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{
			{Config: providerBlock(sim, "") + fn},
			{
				PreConfig: func() { sim.SetReadyAfterPolls(-1) },
				Config:    children(false, 3),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkFunc(sim, "nowait", wantLabels(map[string]string{"com.openfaas.scale.max": "3"})),
					resource.TestCheckResourceAttr("faas_scaling_policy.p", "wait_for_ready", "false"),
					resource.TestCheckResourceAttr("faas_trigger.cron", "wait_for_ready", "false"),
				),
			},
			{
				ResourceName: "faas_scaling_policy.p", ImportState: true, ImportStateId: "openfaas-fn/nowait",
				ImportStateCheck: func(s []*terraform.InstanceState) error {
					if len(s) != 1 || s[0].Attributes["wait_for_ready"] != "true" {
						return fmt.Errorf("an import must set wait_for_ready to true: %v", s)
					}
					return nil
				},
			},
			{
				// The default waits: the update's rollout never becomes ready.
				Config:      children(true, 4),
				ExpectError: errRe(`not ready`),
			},
			{
				// The rollout recovers, so that the children's destroy (which waits for
				// the rollout that removing their keys causes) can finish.
				PreConfig: func() {
					sim.SetReadyAfterPolls(0)
					sim.ModifyFunction("openfaas-fn", "nowait", func(f *openfaassim.Function) { f.AvailableReplicas = f.Replicas })
				},
				Config: providerBlock(sim, "") + fn,
			},
		},
	})
}

// TestAccKnative_childrenWaitForReady: the same on Knative, where the PingSource's and
// the DomainMapping's own Ready conditions are what a child waits for.
func TestAccKnative_childrenWaitForReady(t *testing.T) {
	sim := newKube(t, k8ssim.Options{ReadyAfterPolls: -1})
	cfg := func(wait bool) string {
		return knativeBlock(sim, "") + fmt.Sprintf(`
resource "faas_function" "f" {
  name           = "nowait"
  image          = "ghcr.io/acme/nowait:1"
  wait_for_ready = false
}

resource "faas_route" "r" {
  function_id    = faas_function.f.id
  host           = "nowait.example.com"
  wait_for_ready = %[1]t
  timeouts {
    create = "2s"
  }
}

resource "faas_trigger" "cron" {
  function_id    = faas_function.f.id
  type           = "cron"
  schedule       = "*/5 * * * *"
  wait_for_ready = %[1]t
  timeouts {
    create = "2s"
  }
}
`, wait)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{
				Config: cfg(false),
				Check: func(*terraform.State) error {
					if _, ok := sim.Get(k8ssim.DomainMappingsGVR, "default", "nowait.example.com"); !ok {
						return fmt.Errorf("the DomainMapping was not created")
					}
					if l := sim.List(k8ssim.PingSourcesGVR, "default"); len(l) != 1 {
						return fmt.Errorf("%d PingSources, want 1", len(l))
					}
					return nil
				},
			},
			{
				// With the default, replacing them would wait; here wait_for_ready only
				// changes, which writes nothing and waits for nothing.
				Config: cfg(true),
			},
		},
	})
}
