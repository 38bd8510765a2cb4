package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// TestAccFunctions_labelRules: the faas_functions data source's label filter follows the
// same rules.
func TestAccFunctions_labelRules(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(p, "") + `
data "faas_functions" "all" {
  labels = { "my key" = "v" }
}
`,
			PlanOnly:    true,
			ExpectError: onAttribute("labels", `Invalid label key.*"my key" is not valid`),
		}},
	})
}
