package provider

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// repeat is how many times the concurrency test runs: 20 by default (make test), more
// with FAAS_TEST_REPEAT (make test-long); once by default on a real gateway, where each
// run deploys a function.
func repeat() int {
	if n, err := strconv.Atoi(os.Getenv("FAAS_TEST_REPEAT")); err == nil && n > 0 {
		return n
	}
	if realMode() {
		return 1
	}
	return 20
}

// TestAccChildren_parallelWritesNeverLoseKeys applies one function with a scaling policy
// and triggers, all read-modify-writing the same function object at Terraform's default
// -parallelism=10, with latency injected on the simulator so that the writes overlap.
// Every key must survive, every time. ce_settings uses what every edition honours (a
// policy of min and max, one trigger); pro_settings adds a metric and target and five
// topic triggers besides the cron trigger, which only Pro allows on one function. With
// two writers instead of seven, ce_settings runs in the first run only (run00).
func TestAccChildren_parallelWritesNeverLoseKeys(t *testing.T) {
	topics := []string{"orders", "payments", "refunds", "audit/events", "emails"}
	var b strings.Builder
	for i, topic := range topics {
		fmt.Fprintf(&b, `
resource "faas_trigger" "t%d" {
  function_id = faas_function.f.id
  type        = "topic"
  topic       = %q
}
`, i, topic)
	}
	flavours := []struct {
		name     string
		opts     openfaassim.Options
		relax    []realOption
		policy   string
		triggers string
		topics   string
		labels   map[string]string
	}{
		{"ce settings", openfaassim.Options{}, []realOption{anyEdition, simulatorToo}, `
  min_replicas = 1
  max_replicas = 5`, "", "cron-function", map[string]string{"com.openfaas.scale.min": "1", "com.openfaas.scale.max": "5"}},
		{"pro settings", openfaassim.Options{Edition: openfaassim.Pro}, []realOption{simulatorToo}, `
  min_replicas = 1
  max_replicas = 10
  metric       = "rps"
  target       = 25`, b.String(), "cron-function," + strings.Join(topics, ","),
			map[string]string{"com.openfaas.scale.min": "1", "com.openfaas.scale.max": "10", "com.openfaas.scale.type": "rps", "com.openfaas.scale.target": "25"}},
	}
	for run := 0; run < repeat(); run++ {
		t.Run(fmt.Sprintf("run%02d", run), func(t *testing.T) {
			for _, f := range flavours {
				if run > 0 && f.name == "ce settings" {
					continue
				}
				t.Run(f.name, func(t *testing.T) {
					p := newPlatform(t, f.opts, f.relax...)
					if sim, ok := p.Sim(); ok {
						sim.SetFaults(openfaassim.Faults{Latency: 2 * time.Millisecond, LatencySpikeEvery: 7, LatencySpike: 20 * time.Millisecond})
					}
					busy := p.Name("busy")
					cfg := providerBlock(p, "") + fnBlock(p, busy) + `
resource "faas_scaling_policy" "p" {
  function_id  = faas_function.f.id` + f.policy + `
}

resource "faas_trigger" "cron" {
  function_id = faas_function.f.id
  type        = "cron"
  schedule    = "*/15 * * * *"
}
` + f.triggers
					resource.ParallelTest(t, resource.TestCase{
						ProtoV6ProviderFactories: testAccProviders,
						CheckDestroy:             checkNoFunctions(p),
						Steps: []resource.TestStep{{
							Config: cfg,
							Check: resource.ComposeAggregateTestCheckFunc(
								checkFunc(p, busy, wantTopics(f.topics, "*/15 * * * *")),
								checkFunc(p, busy, wantLabels(f.labels)),
								checkFunc(p, busy, func(fn openfaassim.Function) error {
									if fn.EnvVars["MODE"] != "prod" {
										return fmt.Errorf("env lost: %v", fn.EnvVars)
									}
									return nil
								}),
							),
						}},
					})
				})
			}
		})
	}
}
