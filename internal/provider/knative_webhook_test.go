package provider

import (
	"regexp"
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

// TestAccKnative_clusterLimitsAreLeftToTheCluster: a timeout or max_concurrency above
// the limits Knative ships (max-revision-timeout-seconds 600, container-concurrency-max-
// limit 1000) plans, because an operator may raise them in config-defaults, which the
// provider does not read; a cluster with the shipped limits refuses it at apply, with its
// webhook's message.
func TestAccKnative_clusterLimitsAreLeftToTheCluster(t *testing.T) {
	for name, c := range map[string]struct{ setting, err string }{
		"timeout":         {`timeout = "15m"`, `expected 0 <= 900 <= 600`},
		"max_concurrency": {`max_concurrency = 1001`, `expected 0 <= 1001 <= 1000`},
	} {
		t.Run(name, func(t *testing.T) {
			sim := newKnativeCluster(t, k8ssim.Options{})
			cfg := sim.ProviderBlock(`namespace = "default"`) + `
resource "faas_function" "f" {
  name  = "x"
  image = "ghcr.io/acme/x:1"
  ` + c.setting + `
}
`
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             checkNoServices(sim),
				Steps: []resource.TestStep{
					{Config: cfg, PlanOnly: true, ExpectNonEmptyPlan: true},
					{Config: cfg, ExpectError: regexp.MustCompile(c.err)},
				},
			})
		})
	}
}
