package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/platformtest/memdriver"
)

// testAccMemfakeProviders is the provider with the fake memfake platform as a third
// block. The append is the one line that registers a platform (DESIGN.md section 11).
var testAccMemfakeProviders = map[string]func() (tfprotov6.ProviderServer, error){
	"faas": providerserver.NewProtocol6WithError(newProvider("test", append(defaultBlocks(), memdriver.Block()))),
}

// TestAccMemfake_lifecycle drives the real terraform binary through a function's
// lifecycle on the memfake platform: create, empty plan, update in place, drift made
// behind Terraform's back, import with verification, out-of-band delete, destroy. The
// resources are the same as for OpenFaaS and Knative; only the platform block differs.
func TestAccMemfake_lifecycle(t *testing.T) {
	storeName := "tfacc-" + t.Name()
	store := memdriver.Open(storeName)
	id := platform.FunctionID{Namespace: memdriver.DefaultNamespace, Name: "hello"}
	cfg := func(image, mode string) string {
		return fmt.Sprintf(`
provider "faas" {
  memfake {
    store = %q
  }
}

resource "faas_function" "f" {
  name    = "hello"
  image   = %q
  command = ["python3"]
  args    = ["index.py"]
  env     = { MODE = %q, EMPTY = "" }
  labels  = { team = "payments" }
  limits = {
    cpu    = "0.5"
    memory = "128Mi"
  }
  timeout         = "45s"
  max_concurrency = 10
}
`, storeName, image, mode)
	}
	stored := func(image, mode string) func(*terraform.State) error {
		return func(*terraform.State) error {
			fn, ok := store.Function(id)
			if !ok {
				return fmt.Errorf("function %s is not in the memfake store", id)
			}
			if fn.Image != image || fn.Env["MODE"] != mode || fn.Limits.CPU != "0.5" || fn.Timeout != "45s" {
				return fmt.Errorf("stored function %+v, want image %s and MODE %s", fn, image, mode)
			}
			return nil
		}
	}
	const v1, v2 = "ghcr.io/acme/hello:1", "ghcr.io/acme/hello:2"
	writesBefore := 0
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccMemfakeProviders,
		CheckDestroy: func(*terraform.State) error {
			if ids := store.Functions(id.Namespace); len(ids) > 0 {
				return fmt.Errorf("left behind after destroy: %v", ids)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cfg(v1, "prod"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("id"), knownvalue.StringExact(id.String())),
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("namespace"), knownvalue.StringExact(id.Namespace)),
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("invoke_url"), knownvalue.StringExact("memfake://"+storeName+"/"+id.String())),
				},
				Check: stored(v1, "prod"),
			},
			{
				// The plan right after apply is empty, and the no-op apply writes nothing.
				PreConfig: func() { writesBefore = len(store.Writes()) },
				Config:    cfg(v1, "prod"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: func(*terraform.State) error {
					if w := store.Writes(); len(w) != writesBefore {
						return fmt.Errorf("an apply with nothing to change wrote %v", w[writesBefore:])
					}
					return nil
				},
			},
			{
				// Update in place.
				Config: cfg(v2, "staging"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
				}},
				Check: stored(v2, "staging"),
			},
			{
				// Drift: an image changed behind Terraform's back is planned back.
				PreConfig: func() {
					store.ModifyFunction(id, func(fn *platform.Function) { fn.Image = "ghcr.io/evil/hello:6" })
				},
				Config: cfg(v2, "staging"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image"), knownvalue.StringExact(v2)),
				}},
				Check: stored(v2, "staging"),
			},
			{
				// Import by id, then verify every attribute.
				ResourceName:      "faas_function.f",
				ImportState:       true,
				ImportStateId:     id.String(),
				ImportStateVerify: true,
			},
			{
				// Out-of-band delete: refresh drops it, the plan creates it again.
				PreConfig: func() { store.DeleteFunction(id) },
				Config:    cfg(v2, "staging"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionCreate),
				}},
				Check: stored(v2, "staging"),
			},
		},
	})
}

// TestAccMemfake_platformNames: a name's rule is its platform's, not the neutral
// layer's. memfake accepts OpenWhisk-like names that are no RFC 1123 label, so a
// function and a secret named that way (in such a namespace) are created, imported and
// destroyed through the real terraform binary; one outside memfake's own rule fails at
// plan on the attribute at fault.
func TestAccMemfake_platformNames(t *testing.T) {
	storeName := "tfacc-" + t.Name()
	store := memdriver.Open(storeName)
	id := platform.FunctionID{Namespace: "Team@Acme", Name: "My_Action.v2"}
	cfg := func(fnName string) string {
		return fmt.Sprintf(`
provider "faas" {
  memfake {
    store = %q
  }
}

resource "faas_secret" "s" {
  name      = "API_Key.v2"
  namespace = %[2]q
  value_wo  = "s3cret"
}

resource "faas_function" "f" {
  name      = %[3]q
  namespace = %[2]q
  image     = "ghcr.io/acme/hello:1"
  secrets   = [faas_secret.s.name]
}
`, storeName, id.Namespace, fnName)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccMemfakeProviders,
		CheckDestroy: func(*terraform.State) error {
			if ids := store.Functions(id.Namespace); len(ids) > 0 {
				return fmt.Errorf("left behind after destroy: %v", ids)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				// A name outside memfake's rule fails at plan, on name.
				Config:      cfg(" leading space"),
				PlanOnly:    true,
				ExpectError: onAttribute("name", `Value not allowed on memfake.*is not a memfake name`),
			},
			{
				Config: cfg(id.Name),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("id"), knownvalue.StringExact(id.String())),
					statecheck.ExpectKnownValue("faas_secret.s", tfjsonpath.New("id"), knownvalue.StringExact(id.Namespace+"/API_Key.v2")),
				},
				Check: func(*terraform.State) error {
					if _, ok := store.Function(id); !ok {
						return fmt.Errorf("function %s is not in the memfake store", id)
					}
					return nil
				},
			},
			{
				ResourceName:      "faas_function.f",
				ImportState:       true,
				ImportStateId:     id.String(),
				ImportStateVerify: true,
			},
		},
	})
}
