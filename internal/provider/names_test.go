package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// TestAccOpenFaaS_nameRule: the RFC 1123 rule for names and namespaces is OpenFaaS's
// (its driver states it), not the neutral layer's. The names memfake accepts
// (TestAccMemfake_platformNames) fail here at plan, on the attribute at fault, with
// nothing written; an import id with such a name fails clearly, before any write.
func TestAccOpenFaaS_nameRule(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition)
	image := p.Image("ghcr.io/openfaas/alpine:latest")
	fn := func(name, namespace string) string {
		s := fmt.Sprintf("\nresource \"faas_function\" \"f\" {\n  name  = %q\n  image = %q\n", name, image)
		if namespace != "" {
			s += fmt.Sprintf("  namespace = %q\n", namespace)
		}
		return s + "}\n"
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:      providerBlock(p, "") + fn("My_Action.v2", ""),
				PlanOnly:    true,
				ExpectError: onAttribute("name", `Value not allowed on OpenFaaS.*"My_Action.v2" is not an RFC 1123 label`),
			},
			{
				Config:      providerBlock(p, "") + fn("ok", "Team@Acme"),
				PlanOnly:    true,
				ExpectError: onAttribute("namespace", `Value not allowed on OpenFaaS.*"Team@Acme" is not an RFC 1123 label`),
			},
			{
				Config: providerBlock(p, "") + `
resource "faas_secret" "s" {
  name     = "API_Key.v2"
  value_wo = "x"
}
`,
				PlanOnly:    true,
				ExpectError: onAttribute("name", `Value not allowed on OpenFaaS.*"API_Key.v2" is not an RFC 1123 label`),
			},
			{
				Config:        providerBlock(p, "") + fn(p.Name("x"), ""),
				ResourceName:  "faas_function.f",
				ImportState:   true,
				ImportStateId: ns + "/Bad_Name",
				ExpectError:   errRe(`Invalid function id.*"` + ns + `/Bad_Name" is not an OpenFaaS function id.*not an RFC 1123 label`),
			},
			{
				Config: providerBlock(p, "") + `
resource "faas_secret" "s" {
  name     = "ok"
  value_wo = "x"
}
`,
				ResourceName:  "faas_secret.s",
				ImportState:   true,
				ImportStateId: ns + "/Bad_Name",
				ExpectError:   errRe(`Invalid import id.*"Bad_Name" is not an RFC 1123 label`),
			},
		},
	})
	if err := expectNoWrites(p)(); err != nil {
		t.Fatal(err)
	}
}
