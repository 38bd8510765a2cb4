package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// TestAccChildren_planTimeErrors: what a platform, backend or edition cannot honour, and
// malformed values, fail at plan time on the right attribute with nothing written. On a
// real gateway each case runs where its backend and edition match (relax widens that).
// The function they refer to, x (or new, declared by the case), is never created.
func TestAccChildren_planTimeErrors(t *testing.T) {
	anywhere := []realOption{anyBackend, anyEdition}
	cases := []struct {
		name  string
		opts  openfaassim.Options
		body  string
		err   string
		relax []realOption
	}{
		{"min greater than max", openfaassim.Options{Edition: openfaassim.Pro}, `resource "faas_scaling_policy" "p" {
  function_id  = "openfaas-fn/x"
  min_replicas = 4
  max_replicas = 2
}`, `min_replicas \(4\) must not be greater than max_replicas \(2\)`, anywhere},
		{"negative min", openfaassim.Options{Edition: openfaassim.Pro}, `resource "faas_scaling_policy" "p" {
  function_id  = "openfaas-fn/x"
  min_replicas = -1
}`, `min_replicas value must be at least 0`, anywhere},
		{"bad zero duration", openfaassim.Options{Edition: openfaassim.Pro}, `resource "faas_scaling_policy" "p" {
  function_id         = "openfaas-fn/x"
  min_replicas        = 0
  scale_to_zero_after = "15"
}`, `scale_to_zero_after.*Expected a Go duration`, anywhere},
		{"zero duration without zero", openfaassim.Options{Edition: openfaassim.Pro}, `resource "faas_scaling_policy" "p" {
  function_id         = "openfaas-fn/x"
  min_replicas        = 2
  scale_to_zero_after = "15m"
}`, `only applies to a policy that scales to zero, and min_replicas = 2 keeps replicas`, anywhere},
		{"zero duration with the default minimum", openfaassim.Options{Edition: openfaassim.Pro}, `resource "faas_scaling_policy" "p" {
  function_id         = "openfaas-fn/x"
  scale_to_zero_after = "15m"
}`, `only applies to a function that scales to zero \(min_replicas = 0; OpenFaaS keeps at least one replica by default\)`, nil},
		{"empty policy", openfaassim.Options{Edition: openfaassim.Pro}, `resource "faas_scaling_policy" "p" {
  function_id = "openfaas-fn/x"
}`, `At least one of these attributes must be configured:\s+\[min_replicas,max_replicas,metric,target,target_utilization_percent,scale_to_zero_after\]`, anywhere},
		{"ce metric", openfaassim.Options{}, `resource "faas_scaling_policy" "p" {
  function_id = "openfaas-fn/x"
  metric      = "rps"
}`, `metric is not supported on OpenFaaS faas-netes \(Community Edition\).*honours only com.openfaas.scale.min and max`, nil},
		{"ce max above 5", openfaassim.Options{}, `resource "faas_scaling_policy" "p" {
  function_id  = "openfaas-fn/x"
  max_replicas = 6
}`, `allows at most 5 replicas`, nil},
		{"ce scale to zero", openfaassim.Options{}, `resource "faas_scaling_policy" "p" {
  function_id  = "openfaas-fn/x"
  min_replicas = 0
}`, `the Community Edition cannot scale to zero`, nil},
		{"faasd scaling", openfaassim.Options{Backend: openfaassim.Faasd}, `resource "faas_scaling_policy" "p" {
  function_id  = "openfaas-fn/x"
  max_replicas = 2
}`, `faasd runs exactly one container per function and has no autoscaling`, []realOption{anyEdition}},
		{"pro memory metric", openfaassim.Options{Edition: openfaassim.Pro}, `resource "faas_scaling_policy" "p" {
  function_id = "openfaas-fn/x"
  metric      = "memory"
}`, `OpenFaaS autoscaling has no memory metric`, nil},
		{"bad function id", openfaassim.Options{}, `resource "faas_scaling_policy" "p" {
  function_id = "just-a-name"
}`, `has no namespace: reference faas_function.<name>.id`, anywhere},
		{"cron with seconds", openfaassim.Options{}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "cron"
  schedule    = "0 */5 * * * *"
}`, `Invalid cron schedule.*cron-connector's dialect`, anywhere},
		{"cron weekday 7", openfaassim.Options{}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "cron"
  schedule    = "0 9 * * 1-7"
}`, `Invalid cron schedule.*day-of-week 0-6`, anywhere},
		{"cron semicolon list", openfaassim.Options{}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "cron"
  schedule    = "0 9 * * *;0 17 * * *"
}`, `Invalid cron schedule`, anywhere},
		{"cron time zone prefix", openfaassim.Options{}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "cron"
  schedule    = "CRON_TZ=Europe/Paris @daily"
}`, `time zone prefix.*time_zone = "Europe/Paris"`, anywhere},
		{"cron TZ prefix", openfaassim.Options{}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "cron"
  schedule    = "TZ=UTC 0 9 * * *"
}`, `time zone prefix.*time_zone`, anywhere},
		{"cron bad time zone", openfaassim.Options{}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "cron"
  schedule    = "@daily"
  time_zone   = "Mars/Olympus_Mons"
}`, `not a time zone of the IANA database`, anywhere},
		{"cron payload", openfaassim.Options{}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "cron"
  schedule    = "@daily"
  payload     = "{}"
}`, `payload is not supported on OpenFaaS.*empty body`, anywhere},
		{"cron without schedule", openfaassim.Options{}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "cron"
}`, `A "cron" trigger needs schedule`, anywhere},
		{"topic with schedule", openfaassim.Options{}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "topic"
  topic       = "a"
  schedule    = "@daily"
}`, `schedule does not apply to a "topic" trigger`, anywhere},
		{"topic with comma", openfaassim.Options{Edition: openfaassim.Pro}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "topic"
  topic       = "a,b"
}`, `contains ',', the separator`, anywhere},
		{"reserved topic", openfaassim.Options{Edition: openfaassim.Pro}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "topic"
  topic       = "cron-function"
}`, `Reserved topic`, anywhere},
		{"faasd scaling on a new function", openfaassim.Options{Backend: openfaassim.Faasd}, `
resource "faas_scaling_policy" "p" {
  function_id  = faas_function.f.id
  max_replicas = 2
}`, `This resource is not supported on OpenFaaS faasd`, []realOption{anyEdition}},
		{"bad cron on a new function", openfaassim.Options{}, `
resource "faas_trigger" "t" {
  function_id = faas_function.f.id
  type        = "cron"
  schedule    = "every day"
}`, `Invalid cron schedule`, anywhere},
		{"route on openfaas", openfaassim.Options{Edition: openfaassim.Pro}, `resource "faas_route" "r" {
  function_id = "openfaas-fn/x"
  host        = "api.example.com"
}`, `faas_route is not supported on OpenFaaS faas-netes \(Pro\).*FunctionIngress`, nil},
		{"traffic split on openfaas", openfaassim.Options{}, `resource "faas_traffic_split" "s" {
  function_id = "openfaas-fn/x"
  targets = [{
    latest_revision = true
    percent         = 100
  }]
}`, `faas_traffic_split is not supported on OpenFaaS.*has no revisions`, anywhere},
		{"route host not fqdn", openfaassim.Options{}, `resource "faas_route" "r" {
  function_id = "openfaas-fn/x"
  host        = "API_host"
}`, `must be a fully qualified lower-case DNS name`, anywhere},
		{"route bad method", openfaassim.Options{}, `resource "faas_route" "r" {
  function_id = "openfaas-fn/x"
  host        = "api.example.com"
  methods     = ["FETCH"]
}`, `value must be one of`, anywhere},
		{"bad trigger type", openfaassim.Options{}, `resource "faas_trigger" "t" {
  function_id = "openfaas-fn/x"
  type        = "webhook"
}`, `value must be one of`, anywhere},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newPlatform(t, c.opts, c.relax...)
			body := strings.ReplaceAll(c.body, `"openfaas-fn/x"`, fmt.Sprintf("%q", ns+"/"+p.Name("x")))
			if strings.Contains(c.name, "on a new function") {
				body = fnBlock(p, p.Name("new")) + body
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      providerBlock(p, "") + body,
					PlanOnly:    true,
					ExpectError: onAttribute(childErrorAttrs[c.name], c.err),
				}},
			})
			if err := expectNoWrites(p)(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// childErrorAttrs names the attribute each bad-input case must be reported on ("" for nested
// attributes and resource-level errors, whose message names the path).
var childErrorAttrs = map[string]string{
	"min greater than max":                   "min_replicas",
	"negative min":                           "min_replicas",
	"bad zero duration":                      "scale_to_zero_after",
	"zero duration without zero":             "scale_to_zero_after",
	"zero duration with the default minimum": "scale_to_zero_after",
	"empty policy":                           "",
	"ce metric":                              "metric",
	"ce max above 5":                         "max_replicas",
	"ce scale to zero":                       "min_replicas",
	"faasd scaling":                          "",
	"pro memory metric":                      "metric",
	"bad function id":                        "function_id",
	"cron with seconds":                      "schedule",
	"cron weekday 7":                         "schedule",
	"cron semicolon list":                    "schedule",
	"cron time zone prefix":                  "schedule",
	"cron TZ prefix":                         "schedule",
	"cron bad time zone":                     "time_zone",
	"cron payload":                           "payload",
	"cron without schedule":                  "",
	"topic with schedule":                    "schedule",
	"topic with comma":                       "topic",
	"reserved topic":                         "topic",
	"faasd scaling on a new function":        "",
	"bad cron on a new function":             "schedule",
	"bad trigger type":                       "type",
}
