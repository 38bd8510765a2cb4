package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// TestAccChildren_writtenButNotReadyIsKept: a scaling policy and a trigger whose write
// reached the function but whose rollout never became ready within their timeouts stay
// in the state, tainted, instead of leaving their keys on the function unmanaged (the
// next create would then be refused: the function already carries a policy). Once the
// platform recovers, the next apply replaces them and converges.
func TestAccChildren_writtenButNotReadyIsKept(t *testing.T) {
	sim := newSim(t, openfaassim.Options{Edition: openfaassim.Pro}, "makes rollouts stop becoming ready")
	fn := `
resource "faas_function" "f" {
  name  = "stuck"
  image = "ghcr.io/acme/stuck:1"
}
`
	children := fn + `
resource "faas_scaling_policy" "p" {
  function_id  = faas_function.f.id
  min_replicas = 1
  max_replicas = 3
  timeouts {
    create = "2s"
  }
}

resource "faas_trigger" "cron" {
  function_id = faas_function.f.id
  type        = "cron"
  schedule    = "*/5 * * * *"
  timeouts {
    create = "2s"
  }
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{
			{Config: providerBlock(sim, "") + fn},
			{
				PreConfig:   func() { sim.SetReadyAfterPolls(-1) },
				Config:      providerBlock(sim, "") + children,
				ExpectError: errRe(`was written but .*not ready`),
			},
			{
				// The rollout recovers. The policy is in the state (tainted), so the plan
				// replaces it rather than refusing a second policy.
				PreConfig: func() {
					sim.SetReadyAfterPolls(0)
					sim.ModifyFunction("openfaas-fn", "stuck", func(f *openfaassim.Function) { f.AvailableReplicas = f.Replicas })
				},
				Config: providerBlock(sim, "") + children,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_scaling_policy.p", plancheck.ResourceActionReplace),
					plancheck.ExpectResourceAction("faas_trigger.cron", plancheck.ResourceActionReplace),
				}},
			},
		},
	})
}
