package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

func TestAccSecret_lifecycle(t *testing.T) {
	sim := newSim(t, openfaassim.Options{ReadyAfterPolls: 1})
	cfg := func(value string, version int) string {
		return providerBlock(sim, "") + fmt.Sprintf(`
resource "faas_secret" "api" {
  name             = "api-key"
  value_wo         = %q
  value_wo_version = %d
}

resource "faas_function" "f" {
  name    = "uses-secret"
  image   = "ghcr.io/openfaas/alpine:latest"
  secrets = [faas_secret.api.name]
}
`, value, version)
	}
	wantValue := func(v string) func(*terraform.State) error {
		return func(*terraform.State) error {
			got, ok := sim.SecretValue(ns, "api-key")
			if !ok || got != v {
				return fmt.Errorf("secret value %q (exists %v), want %q", got, ok, v)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy: func(s *terraform.State) error {
			if _, ok := sim.SecretValue(ns, "api-key"); ok {
				return fmt.Errorf("secret left on the platform")
			}
			return checkNoFunctions(sim)(s)
		},
		Steps: []resource.TestStep{
			{
				Config: cfg("first-value", 1),
				Check: resource.ComposeAggregateTestCheckFunc(
					wantValue("first-value"),
					resource.TestCheckResourceAttr("faas_secret.api", "id", ns+"/api-key"),
					resource.TestCheckNoResourceAttr("faas_secret.api", "value_wo"),
				),
			},
			{
				// A new value without a version bump is not sent (write-only values are not compared).
				Config: cfg("second-value", 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: wantValue("first-value"),
			},
			{
				Config: cfg("second-value", 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_secret.api", plancheck.ResourceActionUpdate),
				}},
				Check: wantValue("second-value"),
			},
			{
				ResourceName:            "faas_secret.api",
				ImportState:             true,
				ImportStateId:           ns + "/api-key",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"value_wo_version"},
			},
			{
				// Deleted outside Terraform: re-created with the configured value.
				PreConfig: func() { sim.DeleteSecret(ns, "api-key") },
				Config:    cfg("second-value", 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_secret.api", plancheck.ResourceActionCreate),
				}},
				Check: wantValue("second-value"),
			},
		},
	})
}

func TestAccSecret_errors(t *testing.T) {
	sim := newSim(t, openfaassim.Options{})
	sim.PutSecret(ns, "taken", "someone else's")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: providerBlock(sim, "") + `
resource "faas_secret" "taken" {
  name     = "taken"
  value_wo = "mine"
}
`,
				ExpectError: errRe(`secret openfaas-fn/taken already exists on the platform.*terraform import`),
			},
			{
				Config: providerBlock(sim, "") + `
resource "faas_function" "f" {
  name    = "needs-secret"
  image   = "ghcr.io/openfaas/alpine:latest"
  secrets = ["missing"]
}
`,
				ExpectError: errRe(`references a secret that does not exist in its namespace: create it with faas_secret`),
			},
		},
	})
	if v, _ := sim.SecretValue(ns, "taken"); v != "someone else's" {
		t.Fatalf("an existing secret was overwritten: %q", v)
	}
}

func TestAccSecret_invalidName(t *testing.T) {
	sim := newSim(t, openfaassim.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(sim, "") + `
resource "faas_secret" "bad" {
  name     = "API_KEY"
  value_wo = "x"
}
`,
			PlanOnly:    true,
			ExpectError: errRe(`not an RFC 1123 label`),
		}},
	})
	if err := expectNoWrites(sim)(); err != nil {
		t.Fatal(err)
	}
}
