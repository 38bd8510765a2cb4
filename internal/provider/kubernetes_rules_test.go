package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// kubernetesRuleCases are label, annotation and env inputs that Kubernetes refuses (the
// examples of issue 12), as faas_function bodies (name and image are added), with the
// error and the attribute it must be reported on (Terraform shows the line of the
// map key when the map is written literally).
var kubernetesRuleCases = []struct {
	name, body, wantErr, attr string
}{
	{"label key with a space", `labels = { "my key" = "v" }`, `Invalid label key.*"my key" is not valid`, "labels"},
	{"label value of 64 characters", `labels = { team = "` + strings.Repeat("a", 64) + `" }`, `Invalid label value.*no more than 63`, "labels"},
	{"annotation key", `annotations = { "bad key!" = "v" }`, `Invalid annotation key.*"bad key!" is not valid`, "annotations"},
	{"annotations over 256 KiB", `annotations = { big = format("%262144s", "") }`, `Annotations too large.*262144`, "annotations"},
	{"empty env name", `env = { "" = "v" }`, `Invalid environment variable name.*must be non-empty`, "env"},
	{"env name with =", `env = { "A=B" = "v" }`, `Invalid environment variable name.*"A=B" is not valid`, "env"},
	// A null next to values unknown until apply is still a plan-time error (issue 12
	// item 9): the check looked at no element after the first unknown one.
	{"null map value next to unknown ones", `labels = {
    u1 = terraform_data.later.output, u2 = terraform_data.later.output, u3 = terraform_data.later.output,
    u4 = terraform_data.later.output, u5 = terraform_data.later.output, u6 = terraform_data.later.output,
    u7 = terraform_data.later.output, u8 = terraform_data.later.output, u9 = terraform_data.later.output,
    a = null
  }`, `Null map value.*The value of "a" is null`, "a"},
}

// kubernetesRulesConfig is one case's configuration: a terraform_data whose output is
// unknown at plan, and the function.
func kubernetesRulesConfig(provider, name, image, body string) string {
	return provider + fmt.Sprintf(`
resource "terraform_data" "later" {
  input = "v"
}

resource "faas_function" "bad" {
  name  = %q
  image = %q
  %s
}
`, name, image, body)
}

// TestAccFunction_kubernetesRules: invalid label keys and values, annotation keys, an
// annotation total over 256 KiB, invalid env names and a null map value next to
// unknown ones fail at plan on the attribute, on OpenFaaS and Knative, and nothing is
// written.
func TestAccFunction_kubernetesRules(t *testing.T) {
	for _, c := range kubernetesRuleCases {
		t.Run("openfaas/"+c.name, func(t *testing.T) {
			p := newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      kubernetesRulesConfig(providerBlock(p, ""), p.Name("x"), p.Image("ghcr.io/openfaas/alpine:latest"), c.body),
					PlanOnly:    true,
					ExpectError: onAttribute(c.attr, c.wantErr),
				}},
			})
			if err := expectNoWrites(p)(); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("knative/"+c.name, func(t *testing.T) {
			cluster := newKnativeCluster(t, k8ssim.Options{})
			check := nothingWritten(t, cluster)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      kubernetesRulesConfig(cluster.ProviderBlock(`namespace = "default"`), "x", "ghcr.io/acme/x:1", c.body),
					PlanOnly:    true,
					ExpectError: onAttribute(c.attr, c.wantErr),
				}},
			})
			check()
		})
	}
}

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
