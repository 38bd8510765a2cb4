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
	// simulatorToo: only the simulator tells the value a secret holds.
	p := newPlatform(t, openfaassim.Options{ReadyAfterPolls: 1}, anyBackend, anyEdition, simulatorToo)
	apiKey := p.Name("api-key")
	cfg := func(value string, version int) string {
		return providerBlock(p, "") + fmt.Sprintf(`
resource "faas_secret" "api" {
  name             = %q
  value_wo         = %q
  value_wo_version = %d
}

resource "faas_function" "f" {
  name    = %q
  image   = %q
  secrets = [faas_secret.api.name]
}
`, apiKey, value, version, p.Name("uses-secret"), p.Image("ghcr.io/openfaas/alpine:latest"))
	}
	wantValue := func(v string) func(*terraform.State) error {
		return func(*terraform.State) error {
			sim, ok := p.Sim()
			if !ok {
				// A real gateway never returns a secret's value: the secret exists, and
				// the function that mounts it became ready.
				if !p.SecretExists(ns, apiKey) {
					return fmt.Errorf("secret %s is not on the platform", apiKey)
				}
				return nil
			}
			got, ok := sim.SecretValue(ns, apiKey)
			if !ok || got != v {
				return fmt.Errorf("secret value %q (exists %v), want %q", got, ok, v)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy: func(s *terraform.State) error {
			if p.SecretExists(ns, apiKey) {
				return fmt.Errorf("secret left on the platform")
			}
			return checkNoFunctions(p)(s)
		},
		Steps: []resource.TestStep{
			{
				Config: cfg("first-value", 1),
				Check: resource.ComposeAggregateTestCheckFunc(
					wantValue("first-value"),
					resource.TestCheckResourceAttr("faas_secret.api", "id", ns+"/"+apiKey),
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
				ImportStateId:           ns + "/" + apiKey,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"value_wo_version"},
			},
			{
				// Deleted outside Terraform: re-created with the configured value.
				PreConfig: func() { p.DeleteSecret(ns, apiKey) },
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
	// simulatorToo: only the simulator tells that the existing secret's value is unchanged.
	p := newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition, simulatorToo)
	taken := p.Name("taken")
	p.PutSecret(ns, taken, "someone else's")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: providerBlock(p, "") + fmt.Sprintf(`
resource "faas_secret" "taken" {
  name     = %q
  value_wo = "mine"
}
`, taken),
				ExpectError: errRe(`secret ` + ns + `/` + taken + ` already exists on the platform.*terraform import`),
			},
			{
				Config: providerBlock(p, "") + fmt.Sprintf(`
resource "faas_function" "f" {
  name    = %q
  image   = %q
  secrets = [%q]
}
`, p.Name("needs-secret"), p.Image("ghcr.io/openfaas/alpine:latest"), p.Name("missing")),
				ExpectError: errRe(`references a secret that does not exist in its namespace: create it with faas_secret`),
			},
		},
	})
	sim, ok := p.Sim()
	if !ok {
		// A real gateway never returns a secret's value.
		if !p.SecretExists(ns, taken) {
			t.Fatal("an existing secret was deleted")
		}
		return
	}
	if v, _ := sim.SecretValue(ns, taken); v != "someone else's" {
		t.Fatalf("an existing secret was overwritten: %q", v)
	}
}

func TestAccSecret_invalidName(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(p, "") + `
resource "faas_secret" "bad" {
  name     = "API_KEY"
  value_wo = "x"
}
`,
			PlanOnly: true,
			// The rule is the OpenFaaS driver's (CheckSecret), on the attribute.
			ExpectError: onAttribute("name", `Value not allowed on OpenFaaS.*"API_KEY" is not an RFC 1123 label`),
		}},
	})
	if err := expectNoWrites(p)(); err != nil {
		t.Fatal(err)
	}
}
