package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// TestAccChildren_planTimeErrors: what a platform, backend or edition cannot honour, and
// malformed values, fail at plan time on the right attribute with nothing written.
func TestAccChildren_planTimeErrors(t *testing.T) {
	cases := []struct {
		name string
		opts openfaassim.Options
		body string
		err  string
	}{
		{"min greater than max", openfaassim.Options{Edition: openfaassim.Pro}, `resource "faas_scaling_policy" "p" {
  function_id  = "openfaas-fn/x"
  min_replicas = 4
  max_replicas = 2
}`, `min_replicas \(4\) must not be greater than max_replicas \(2\)`},
		{"negative min", openfaassim.Options{Edition: openfaassim.Pro}, `resource "faas_scaling_policy" "p" {
  function_id  = "openfaas-fn/x"
  min_replicas = -1
}`, `min_replicas value must be at least 0`},
		{"bad zero duration", openfaassim.Options{Edition: openfaassim.Pro}, `resource "faas_scaling_policy" "p" {
  function_id         = "openfaas-fn/x"
  scale_to_zero       = true
  scale_to_zero_after = "15"
}`, `scale_to_zero_after.*Expected a Go duration`},
		{"zero duration without zero", openfaassim.Options{Edition: openfaassim.Pro}, `resource "faas_scaling_policy" "p" {
  function_id         = "openfaas-fn/x"
  scale_to_zero       = false
  scale_to_zero_after = "15m"
}`, `only applies when scale_to_zero is true`},
		{"ce metric", openfaassim.Options{}, `resource "faas_scaling_policy" "p" {
  function_id = "openfaas-fn/x"
  metric      = "rps"
}`, `metric is not supported on OpenFaaS faas-netes \(Community Edition\).*honours only com.openfaas.scale.min and max`},
		{"ce max above 5", openfaassim.Options{}, `resource "faas_scaling_policy" "p" {
  function_id  = "openfaas-fn/x"
  max_replicas = 6
}`, `allows at most 5 replicas`},
		{"ce scale to zero", openfaassim.Options{}, `resource "faas_scaling_policy" "p" {
  function_id   = "openfaas-fn/x"
  scale_to_zero = true
}`, `scale_to_zero is not supported on OpenFaaS faas-netes \(Community Edition\)`},
		{"faasd scaling", openfaassim.Options{Backend: openfaassim.Faasd}, `resource "faas_scaling_policy" "p" {
  function_id  = "openfaas-fn/x"
  max_replicas = 2
}`, `faasd runs exactly one container per function and has no autoscaling`},
		{"pro memory metric", openfaassim.Options{Edition: openfaassim.Pro}, `resource "faas_scaling_policy" "p" {
  function_id = "openfaas-fn/x"
  metric      = "memory"
}`, `OpenFaaS autoscaling has no memory metric`},
		{"bad function id", openfaassim.Options{}, `resource "faas_scaling_policy" "p" {
  function_id = "just-a-name"
}`, `has no namespace: reference faas_function.<name>.id`},
		{"cron with seconds", openfaassim.Options{}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "cron"
  schedule    = "0 */5 * * * *"
}`, `Invalid cron schedule.*cron-connector's dialect`},
		{"cron weekday 7", openfaassim.Options{}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "cron"
  schedule    = "0 9 * * 1-7"
}`, `Invalid cron schedule.*day-of-week 0-6`},
		{"cron semicolon list", openfaassim.Options{}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "cron"
  schedule    = "0 9 * * *;0 17 * * *"
}`, `Invalid cron schedule`},
		{"cron time zone", openfaassim.Options{}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "cron"
  schedule    = "@daily"
  time_zone   = "Europe/Paris"
}`, `time_zone is not supported on OpenFaaS.*own process's time zone`},
		{"cron payload", openfaassim.Options{}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "cron"
  schedule    = "@daily"
  payload     = "{}"
}`, `payload is not supported on OpenFaaS.*empty body`},
		{"cron without schedule", openfaassim.Options{}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "cron"
}`, `A "cron" trigger needs schedule`},
		{"topic with schedule", openfaassim.Options{}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "topic"
  topic       = "a"
  schedule    = "@daily"
}`, `schedule does not apply to a "topic" trigger`},
		{"topic with comma", openfaassim.Options{Edition: openfaassim.Pro}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "topic"
  topic       = "a,b"
}`, `contains ',', the separator`},
		{"reserved topic", openfaassim.Options{Edition: openfaassim.Pro}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "topic"
  topic       = "cron-function"
}`, `Reserved topic`},
		{"faasd scaling on a new function", openfaassim.Options{Backend: openfaassim.Faasd}, fmt.Sprintf(fnBlock, "new") + `
resource "faas_scaling_policy" "p" {
  function_id  = faas_function.f.id
  max_replicas = 2
}`, `This resource is not supported on OpenFaaS faasd`},
		{"bad cron on a new function", openfaassim.Options{}, fmt.Sprintf(fnBlock, "new") + `
resource "faas_trigger" "t" {
  function_id = faas_function.f.id
  type        = "cron"
  schedule    = "every day"
}`, `Invalid cron schedule`},
		{"route on openfaas", openfaassim.Options{Edition: openfaassim.Pro}, `resource "faas_route" "r" {
  function_id = "openfaas-fn/x"
  host        = "api.example.com"
}`, `faas_route is not supported on OpenFaaS faas-netes \(Pro\).*FunctionIngress`},
		{"route host not fqdn", openfaassim.Options{}, `resource "faas_route" "r" {
  function_id = "openfaas-fn/x"
  host        = "API_host"
}`, `must be a fully qualified lower-case DNS name`},
		{"route bad method", openfaassim.Options{}, `resource "faas_route" "r" {
  function_id = "openfaas-fn/x"
  host        = "api.example.com"
  methods     = ["FETCH"]
}`, `value must be one of`},
		{"bad trigger type", openfaassim.Options{}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "webhook"
}`, `value must be one of`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sim := newSim(t, c.opts)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      providerBlock(sim, "") + c.body,
					PlanOnly:    true,
					ExpectError: onAttribute(childErrorAttrs[c.name], c.err),
				}},
			})
			if err := expectNoWrites(sim)(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestAccChildren_existingPolicyRefused: a function that already carries scaling labels
// (set outside Terraform) refuses a second policy at plan time, naming import.
func TestAccChildren_existingPolicyRefused(t *testing.T) {
	sim := newSim(t, openfaassim.Options{Edition: openfaassim.Pro})
	sim.PutFunction(openfaassim.Function{Service: "owned", Namespace: ns, Image: "x:1", Labels: map[string]string{"com.openfaas.scale.max": "3"}})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(sim, "") + fmt.Sprintf(`
resource "faas_scaling_policy" "p" {
  function_id  = %q
  max_replicas = 4
}
`, ns+"/owned"),
			PlanOnly:    true,
			ExpectError: errRe(`Function already has a scaling policy.*terraform import`),
		}},
	})
}

// childErrorAttrs names the attribute each bad-input case must be reported on ("" for nested
// attributes and resource-level errors, whose message names the path).
var childErrorAttrs = map[string]string{
	"min greater than max":            "min_replicas",
	"negative min":                    "min_replicas",
	"bad zero duration":               "scale_to_zero_after",
	"zero duration without zero":      "scale_to_zero_after",
	"ce metric":                       "metric",
	"ce max above 5":                  "max_replicas",
	"ce scale to zero":                "scale_to_zero",
	"faasd scaling":                   "",
	"pro memory metric":               "metric",
	"bad function id":                 "function_id",
	"cron with seconds":               "schedule",
	"cron weekday 7":                  "schedule",
	"cron semicolon list":             "schedule",
	"cron time zone":                  "time_zone",
	"cron payload":                    "payload",
	"cron without schedule":           "",
	"topic with schedule":             "schedule",
	"topic with comma":                "topic",
	"reserved topic":                  "topic",
	"faasd scaling on a new function": "",
	"bad cron on a new function":      "schedule",
	"bad trigger type":                "type",
}
