package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/platformtest/memdriver"
)

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

// TestAccMemfake_unsupportedResource: a resource whose interface a platform's driver
// does not implement (memfake has no revisions, so no platform.TrafficDriver) fails at
// plan with the same error every resource gives, "<resource> is not supported on
// <platform>", and the generic detail when the driver explains nothing (OpenFaaS's own
// explanation is tested in TestAccChildren_planTimeErrors); nothing is written.
func TestAccMemfake_unsupportedResource(t *testing.T) {
	storeName := "tfacc-" + t.Name()
	store := memdriver.Open(storeName)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccMemfakeProviders,
		CheckDestroy: func(*terraform.State) error {
			if w := store.Writes(); len(w) > 0 {
				return fmt.Errorf("the refused plan wrote %v", w)
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "faas" {
  memfake {
    store = %q
  }
}

resource "faas_traffic_split" "s" {
  function_id = "default/x"
  targets = [{
    latest_revision = true
    percent         = 100
  }]
}
`, storeName),
			ExpectError: regexp.MustCompile(`faas_traffic_split is not supported on memfake memory[\s\S]*remove the[\s\S]*faas_traffic_split`),
		}},
	})
}
