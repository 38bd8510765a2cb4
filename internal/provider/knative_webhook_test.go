package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

// TestAccKnative_planErrorsQuoteWebhook: values Knative's webhook refuses fail at plan,
// on the attribute, with the text of Knative's own validation (knative.dev/serving
// Service.Validate, issue 14), and nothing is written.
func TestAccKnative_planErrorsQuoteWebhook(t *testing.T) {
	const fn = `
resource "faas_function" "f" {
  name  = "x"
  image = "ghcr.io/acme/x:1"
}
`
	for name, c := range map[string]struct{ config, attr, err string }{
		"name starts with a digit": {`
resource "faas_function" "f" {
  name  = "9lives"
  image = "ghcr.io/acme/x:1"
}
`, "name", `Rejected by Knative's validation.*denied the request: validation failed: not a DNS 1035 label`},
		"reserved env": {`
resource "faas_function" "f" {
  name  = "x"
  image = "ghcr.io/acme/x:1"
  env   = { PORT = "8080" }
}
`, "env", `validation failed: "PORT" is a reserved environment variable: spec.template.spec.containers\[0\].env\[0\].name`},
		"timeout above max-revision-timeout-seconds": {`
resource "faas_function" "f" {
  name    = "x"
  image   = "ghcr.io/acme/x:1"
  timeout = "15m"
}
`, "timeout", `validation failed: expected 0 <= 900 <= 600: spec.template.spec.timeoutSeconds`},
		"max_concurrency above the limit": {`
resource "faas_function" "f" {
  name            = "x"
  image           = "ghcr.io/acme/x:1"
  max_concurrency = 1001
}
`, "max_concurrency", `validation failed: expected 0 <= 1001 <= 1000: spec.template.spec.containerConcurrency`},
		"max_replicas above int32": {fn + `
resource "faas_scaling_policy" "p" {
  function_id  = "default/x"
  max_replicas = 3000000000
}
`, "max_replicas", `validation failed: expected 0 <= 3000000000 <= 2147483647: spec.template.metadata.annotations.autoscaling.knative.dev/max-scale`},
		"retention period above an hour": {fn + `
resource "faas_scaling_policy" "p" {
  function_id         = "default/x"
  scale_to_zero_after = "2h"
}
`, "scale_to_zero_after", `validation failed: expected 0s <= 2h <= 1h0m0s: spec.template.metadata.annotations.autoscaling.knative.dev/scale-to-zero-pod-retention-period`},
	} {
		t.Run(name, func(t *testing.T) {
			sim := newKube(t, k8ssim.Options{})
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config: knativeBlock(sim, `namespace = "default"`) + c.config, PlanOnly: true,
					ExpectError: onAttribute(c.attr, c.err),
				}},
			})
			if w := sim.Writes(); len(w) > 0 {
				t.Fatalf("a plan-time error wrote to the cluster: %+v", w[0])
			}
		})
	}
}
