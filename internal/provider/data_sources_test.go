package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

func TestAccDataSources(t *testing.T) {
	sim := newSim(t, openfaassim.Options{Edition: openfaassim.Pro})
	// Created outside Terraform, without the provider's record: env cannot be read.
	sim.PutFunction(openfaassim.Function{Service: "outside", Namespace: ns, Image: "ghcr.io/acme/outside:2",
		EnvProcess: "node index.js", EnvVars: map[string]string{"A": "1"}, Labels: map[string]string{"team": "web"},
		Limits: &openfaassim.FunctionResources{Memory: "64Mi"}})
	sim.PutFunction(openfaassim.Function{Service: "other", Namespace: ns, Image: "ghcr.io/acme/other:1", Labels: map[string]string{"team": "data"}})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy: func(*terraform.State) error {
			if _, ok := sim.GetFunction(ns, "managed"); ok {
				return fmt.Errorf("managed function left after destroy")
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: providerBlock(sim, "") + `
resource "faas_function" "managed" {
  name   = "managed"
  image  = "ghcr.io/acme/managed:1"
  env    = { MODE = "prod" }
  labels = { team = "web" }
}

data "faas_function" "outside" {
  name = "outside"
}

data "faas_function" "managed" {
  name       = faas_function.managed.name
  depends_on = [faas_function.managed]
}

data "faas_functions" "web" {
  labels     = { team = "web" }
  depends_on = [faas_function.managed]
}

data "faas_platform" "this" {}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.faas_function.outside", tfjsonpath.New("image"), knownvalue.StringExact("ghcr.io/acme/outside:2")),
				statecheck.ExpectKnownValue("data.faas_function.outside", tfjsonpath.New("command"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("node"), knownvalue.StringExact("index.js")})),
				statecheck.ExpectKnownValue("data.faas_function.outside", tfjsonpath.New("env"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.faas_function.outside", tfjsonpath.New("unreadable").AtSliceIndex(0), knownvalue.StringExact("env")),
				statecheck.ExpectKnownValue("data.faas_function.outside", tfjsonpath.New("limits").AtMapKey("memory"), knownvalue.StringExact("64Mi")),
				statecheck.ExpectKnownValue("data.faas_function.outside", tfjsonpath.New("ready"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.faas_function.managed", tfjsonpath.New("env").AtMapKey("MODE"), knownvalue.StringExact("prod")),
				statecheck.ExpectKnownValue("data.faas_function.managed", tfjsonpath.New("id"), knownvalue.StringExact(ns+"/managed")),
				statecheck.ExpectKnownValue("data.faas_functions.web", tfjsonpath.New("functions"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact("managed")}),
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact("outside")}),
				})),
				statecheck.ExpectKnownValue("data.faas_platform.this", tfjsonpath.New("backend"), knownvalue.StringExact("faas-netes")),
				statecheck.ExpectKnownValue("data.faas_platform.this", tfjsonpath.New("edition"), knownvalue.StringExact("pro")),
				statecheck.ExpectKnownValue("data.faas_platform.this", tfjsonpath.New("max_replicas"), knownvalue.Int64Exact(0)),
				statecheck.ExpectKnownValue("data.faas_platform.this", tfjsonpath.New("scaling_metrics"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.StringExact("rps"), knownvalue.StringExact("concurrency"), knownvalue.StringExact("cpu")})),
			},
		}},
	})
	// The function created outside Terraform is still there after destroy.
	if _, ok := sim.GetFunction(ns, "outside"); !ok {
		t.Fatal("a data source destroyed a function")
	}
	sim.DeleteFunction(ns, "outside")
	sim.DeleteFunction(ns, "other")
}

func TestAccDataSources_missingFunctionAndCE(t *testing.T) {
	sim := newSim(t, openfaassim.Options{Backend: openfaassim.Faasd})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: providerBlock(sim, "") + `
data "faas_function" "missing" {
  name = "does-not-exist"
}
`,
				ExpectError: errRe(`Function not found.*openfaas-fn/does-not-exist does not exist`),
			},
			{
				Config: providerBlock(sim, "") + `
data "faas_platform" "this" {}

data "faas_functions" "none" {}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.faas_platform.this", tfjsonpath.New("backend"), knownvalue.StringExact("faasd")),
					statecheck.ExpectKnownValue("data.faas_platform.this", tfjsonpath.New("edition"), knownvalue.StringExact("ce")),
					statecheck.ExpectKnownValue("data.faas_platform.this", tfjsonpath.New("scaling_metrics"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue("data.faas_platform.this", tfjsonpath.New("max_replicas"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue("data.faas_functions.none", tfjsonpath.New("functions"), knownvalue.ListSizeExact(0)),
				},
			},
		},
	})
}
