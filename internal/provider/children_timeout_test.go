package provider

import (
	"net/http"
	"testing"
	"time"

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

// TestAccChildren_literalFunctionIDWaitsForTheFunction: children whose function_id is a
// literal (what -generate-config-out writes) have no dependency on their function, so
// Terraform creates them while the function's create is still on its way. They wait for
// the function to exist, within their create timeout, instead of failing at once with
// "not found"; a function that never comes fails them with a message that says so.
func TestAccChildren_literalFunctionIDWaitsForTheFunction(t *testing.T) {
	sim := newSim(t, openfaassim.Options{Edition: openfaassim.Pro}, "delays the function's create")
	config := `
resource "faas_function" "f" {
  name  = "later"
  image = "ghcr.io/acme/later:1"
}

resource "faas_scaling_policy" "p" {
  function_id  = "openfaas-fn/later"
  min_replicas = 1
  max_replicas = 3
}

resource "faas_trigger" "cron" {
  function_id = "openfaas-fn/later"
  type        = "cron"
  schedule    = "*/5 * * * *"
}
`
	never := `
resource "faas_trigger" "orphan" {
  function_id = "openfaas-fn/never"
  type        = "topic"
  topic       = "orders"
  timeouts {
    create = "2s"
  }
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					sim.SetFaults(openfaassim.Faults{Latency: 3 * time.Second, Only: func(method, path string) bool {
						return method == http.MethodPost && path == "/system/functions"
					}})
				},
				Config: providerBlock(sim, "") + config,
				Check: resource.ComposeAggregateTestCheckFunc(
					checkFunc(sim, "later", wantLabels(map[string]string{"com.openfaas.scale.min": "1", "com.openfaas.scale.max": "3"})),
					checkFunc(sim, "later", wantTopics("cron-function", "*/5 * * * *")),
				),
			},
			{
				PreConfig:   sim.ClearFaults,
				Config:      providerBlock(sim, "") + config + never,
				ExpectError: errRe(`function openfaas-fn/never does not exist`),
			},
			{Config: providerBlock(sim, "") + config},
		},
	})
}
