package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// platformChecks are what data.faas_platform.this must say about p (DESIGN.md
// section 4; internal/driver/openfaas/FACTS.md sections 6 and 7).
func platformChecks(p openfaasPlatform) []statecheck.StateCheck {
	maxReplicas, metrics := int64(1), []knownvalue.Check{}
	switch {
	case p.Backend() == openfaassim.FaasNetes && p.Edition() == openfaassim.Pro:
		maxReplicas = 0
		metrics = []knownvalue.Check{knownvalue.StringExact("rps"), knownvalue.StringExact("concurrency"), knownvalue.StringExact("cpu")}
	case p.Backend() == openfaassim.FaasNetes:
		maxReplicas = 5
	}
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue("data.faas_platform.this", tfjsonpath.New("backend"), knownvalue.StringExact(string(p.Backend()))),
		statecheck.ExpectKnownValue("data.faas_platform.this", tfjsonpath.New("edition"), knownvalue.StringExact(string(p.Edition()))),
		statecheck.ExpectKnownValue("data.faas_platform.this", tfjsonpath.New("max_replicas"), knownvalue.Int64Exact(maxReplicas)),
		statecheck.ExpectKnownValue("data.faas_platform.this", tfjsonpath.New("scaling_metrics"), knownvalue.ListExact(metrics)),
	}
}

func TestAccDataSources_missingFunctionAndCE(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{Backend: openfaassim.Faasd})
	missing := p.Name("does-not-exist")
	// An empty namespace lists nothing; a real gateway's namespace holds other
	// functions, so there the list is filtered on a label no function has.
	none := ""
	if _, ok := p.Sim(); !ok {
		none = fmt.Sprintf("labels = { team = %q }", p.Name("none"))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: providerBlock(p, "") + fmt.Sprintf(`
data "faas_function" "missing" {
  name = %q
}
`, missing),
				ExpectError: errRe(`Function not found.*` + ns + `/` + missing + ` does not exist`),
			},
			{
				Config: providerBlock(p, "") + fmt.Sprintf(`
data "faas_platform" "this" {}

data "faas_functions" "none" {%s}
`, none),
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
